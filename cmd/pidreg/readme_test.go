package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeCommands returns the pidreg command lines of the sh blocks of a
// Markdown text, continuation lines joined and comments removed, each
// split into its arguments (the recipes quote nothing).
func readmeCommands(md []byte) [][]string {
	var (
		out     [][]string
		inBlock bool
		line    string
	)
	sc := bufio.NewScanner(bytes.NewReader(md))
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "```") {
			inBlock = !inBlock && strings.TrimPrefix(l, "```") == "sh"
			continue
		}
		if !inBlock {
			continue
		}
		if i := strings.Index(l, " #"); i >= 0 {
			l = l[:i]
		}
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		line += " " + strings.TrimSuffix(strings.TrimSpace(l), `\`)
		if strings.HasSuffix(strings.TrimSpace(l), `\`) {
			continue
		}
		if f := strings.Fields(line); len(f) > 1 && f[0] == "pidreg" {
			out = append(out, f[1:])
		}
		line = ""
	}
	return out
}

func TestReadmeCommandsParsed(t *testing.T) {
	md := "text\n```sh\npidreg a -x 1 \\\n   -y 2   # note\n# comment\ngo test\n```\n```go\npidreg b\n```\n```sh\npidreg c\n```\n"
	got := readmeCommands([]byte(md))
	if fmt.Sprint(got) != "[[a -x 1 -y 2] [c]]" {
		t.Errorf("commands %q", got)
	}
}

// TestREADMECommands runs every pidreg command of README.md through run,
// as written, on a reduced budget (a later -epochs overrides the
// recipe's): files under testdata/ come from the repository, the UCI data
// sets from ../shared/data (commands that need them skip when it is
// absent), and the outputs go to a temporary directory where the later
// commands find them.
func TestREADMECommands(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(wd, "..", "..")
	shared := filepath.Join(root, "..", "shared", "data")
	md, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmds := readmeCommands(md)
	if len(cmds) < 8 {
		t.Fatalf("found %d pidreg commands in README.md: %q", len(cmds), cmds)
	}
	tmp := t.TempDir()
	for i, args := range cmds {
		t.Run(fmt.Sprintf("%d_%s", i+1, args[0]), func(t *testing.T) {
			a := append([]string(nil), args...)
			hasOut := false
			for k := 1; k < len(a); k++ {
				switch a[k-1] {
				case "-out", "-report", "-plots", "-model":
					hasOut = hasOut || a[k-1] == "-out"
					a[k] = filepath.Join(tmp, a[k])
				case "-data", "-cov":
					switch first := strings.Split(a[k], "/")[0]; first {
					case "testdata":
						a[k] = filepath.Join(root, a[k])
					case "superconductivity", "ct_slices":
						a[k] = filepath.Join(shared, a[k])
						if _, err := os.Stat(a[k]); err != nil {
							t.Skip("shared data absent:", err)
						}
					default:
						t.Fatalf("recipe reads %s, which is neither in testdata/ nor a shared data set", a[k])
					}
				}
			}
			switch a[0] {
			case "train":
				if !hasOut {
					a = append(a, "-out", filepath.Join(tmp, "model.pidreg"))
				}
				a = append(a, "-epochs", "2", "-q")
			case "bench":
				a = append(a, "-epochs", "2", "-seeds", "1", "-q")
			}
			var stdout, stderr bytes.Buffer
			if code := run(a, strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Fatalf("pidreg %s: status %d: %s", strings.Join(args, " "), code, stderr.String())
			}
			if stderr.Len() > 0 || stdout.Len() == 0 && a[0] != "predict" {
				t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
			}
		})
	}
	for _, f := range []string{"model.pidreg", "report.json", "plots/losses.png", "preds.csv", "preds.parquet", "eval.json", "explain/pid_heldout.png"} {
		if _, err := os.Stat(filepath.Join(tmp, f)); err != nil {
			t.Errorf("the recipes did not write %s: %v", f, err)
		}
	}
}
