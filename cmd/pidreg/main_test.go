package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs the command in-process and returns its exit status and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return cliStdin(t, "", args...)
}

// cliStdin is cli with the given standard input.
func cliStdin(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// wantFailure checks the error contract: status 2, nothing on stdout, and
// exactly one line on stderr that starts "pidreg: " and contains msg.
func wantFailure(t *testing.T, msg string, args ...string) {
	t.Helper()
	code, stdout, stderr := cli(t, args...)
	if code != 2 {
		t.Errorf("%q: exit status %d, want 2 (stderr %q)", args, code, stderr)
	}
	if stdout != "" {
		t.Errorf("%q: stdout %q, want nothing", args, stdout)
	}
	if !strings.HasPrefix(stderr, "pidreg: ") || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("%q: stderr %q, want one line starting \"pidreg: \"", args, stderr)
	}
	if !strings.Contains(stderr, msg) {
		t.Errorf("%q: stderr %q does not mention %q", args, stderr, msg)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, stdout, stderr := cli(t, args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "Usage:") || !strings.Contains(stdout, "pid ") {
			t.Errorf("%q: status %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	code, stdout, stderr := cli(t, "pid", "-h")
	if code != 0 || stderr != "" || !strings.Contains(stdout, "-target columns") || !strings.Contains(stdout, "pidreg pid -cov FILE") {
		t.Errorf("pid -h: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestDispatchErrors(t *testing.T) {
	wantFailure(t, "no command given")
	wantFailure(t, `unknown command "frobnicate"`, "frobnicate")
	wantFailure(t, "flag provided but not defined: -bogus", "pid", "-bogus")
	wantFailure(t, `unexpected argument "extra"`, "pid", "-cov", "x.csv", "extra")
	wantFailure(t, `invalid value "one" for flag -dm`, "pid", "-dm", "one")
}

// TestBinary builds the real command once and checks the exit status and
// the streams of a failing and a succeeding run.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	bin := filepath.Join(t.TempDir(), "pidreg")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "pid", "-cov", filepath.Join(t.TempDir(), "missing.csv"), "-dm", "1", "-dx", "1", "-dy", "1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != 2 {
		t.Fatalf("missing file: err %v, want exit status 2", err)
	}
	if s := stderr.String(); !strings.HasPrefix(s, "pidreg: ") || strings.Count(s, "\n") != 1 || stdout.Len() != 0 {
		t.Errorf("missing file: stdout %q, stderr %q", stdout.String(), s)
	}

	out, err := exec.Command(bin, "pid", "-cov", "../../testdata/cov_sum.csv", "-dm", "1", "-dx", "1", "-dy", "1", "-json").Output()
	if err != nil || !bytes.Contains(out, []byte(`"synergy":0.5`)) {
		t.Errorf("good run: err %v, output %s", err, out)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatal(err)
	}
}
