package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pidreg/pidreg/internal/table"
	"github.com/pidreg/pidreg/pid"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const testdata = "../../testdata"

// pidJSONOut runs the pid command with -json and decodes its output.
func pidJSONOut(t *testing.T, args ...string) pidJSON {
	t.Helper()
	code, stdout, stderr := cli(t, append([]string{"pid", "-json"}, args...)...)
	if code != 0 {
		t.Fatalf("%q: status %d, stderr %q", args, code, stderr)
	}
	var got pidJSON
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%q: %v in %q", args, err, stdout)
	}
	return got
}

func fromResult(r pid.Result) pidJSON { return pidReport{res: r}.jsonOf() }

// atoms7 is the -json object of the seven quantities and a method.
func atoms7(mix, miy, mixy, ux, uy, red, syn float64, method string) pidJSON {
	return pidJSON{MIX: mix, MIY: miy, MIXY: mixy, UniqueX: ux, UniqueY: uy, Redundancy: red, Synergy: syn, Method: method}
}

func TestPIDJSONKeysExact(t *testing.T) {
	code, stdout, _ := cli(t, "pid", "-json", "-cov", filepath.Join(testdata, "cov_sum.csv"), "-dm", "1", "-dx", "1", "-dy", "1")
	if code != 0 {
		t.Fatal("status", code)
	}
	if strings.Count(stdout, "\n") != 1 {
		t.Errorf("output is not one line: %q", stdout)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		keys = append(keys, k)
		if _, isNum := v.(float64); !isNum && k != "method" {
			t.Errorf("%s = %v is not a number", k, v)
		}
	}
	slices.Sort(keys)
	want := []string{"method", "mi_x", "mi_xy", "mi_y", "redundancy", "synergy", "unique_x", "unique_y"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	if m["method"] != "closed" {
		t.Errorf("method %v", m["method"])
	}
}

// TestPIDCovAnalytic checks the two covariances with a known PID: the
// testdata generator documents both derivations.
func TestPIDCovAnalytic(t *testing.T) {
	ix := 0.5 * math.Log2(1.5)
	got := pidJSONOut(t, "-cov", filepath.Join(testdata, "cov_sum.csv"), "-dm", "1", "-dx", "1", "-dy", "1")
	want := atoms7(ix, ix, 0.5*math.Log2(3), 0, 0, ix, 0.5, "closed")
	checkClose(t, "cov_sum", got, want, 1e-12)

	ic := -0.5 * math.Log2(1-0.36)
	got = pidJSONOut(t, "-cov", filepath.Join(testdata, "cov_copy.csv"), "-dm", "1", "-dx", "2", "-dy", "2")
	want = atoms7(ic, ic, ic, 0, 0, ic, 0, "closed")
	checkClose(t, "cov_copy (singular, jittered)", got, want, 1e-5)
}

func checkClose(t *testing.T, name string, got, want pidJSON, tol float64) {
	t.Helper()
	g := []float64{got.MIX, got.MIY, got.MIXY, got.UniqueX, got.UniqueY, got.Redundancy, got.Synergy}
	w := []float64{want.MIX, want.MIY, want.MIXY, want.UniqueX, want.UniqueY, want.Redundancy, want.Synergy}
	for i := range g {
		if math.Abs(g[i]-w[i]) > tol {
			t.Errorf("%s: got %+v\nwant %+v", name, got, want)
			return
		}
	}
	if got.Method != want.Method {
		t.Errorf("%s: method %q, want %q", name, got.Method, want.Method)
	}
}

// TestPIDMatchesLibrary compares the command with direct library calls on
// the same inputs: it must add nothing and lose nothing.
func TestPIDMatchesLibrary(t *testing.T) {
	data := filepath.Join(testdata, "gauss_small.csv")
	tab, err := table.ReadFile(data, table.Options{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	m, x, y := tab.Select([]int{0}), tab.Select([]int{1, 2, 3}), tab.Select([]int{4, 5, 6})
	for _, debias := range []bool{false, true} {
		res, err := pid.FromSamples(m, x, y, pid.Options{Debias: debias})
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"-data", data, "-target", "target", "-x", "x1,x2,x3", "-y", "4-6"}
		if debias {
			args = append(args, "-debias")
		}
		if got := pidJSONOut(t, args...); got != fromResult(res) {
			t.Errorf("debias=%v: command %+v, library %+v", debias, got, fromResult(res))
		}
	}
	// The generator's structure shows: x2/y2 unique, x1/y1 shared, x3 with y3 synergistic.
	res, _ := pid.FromSamples(m, x, y, pid.Options{})
	if res.Synergy < 0.3 || res.Redundancy < 0.2 {
		t.Errorf("gauss_small lacks its designed synergy/redundancy: %+v", res)
	}

	cov := filepath.Join(testdata, "cov_vec.csv")
	ctab, err := table.ReadFile(cov, table.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := checkCovariance(cov, ctab.Data, 2, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"auto", "tilde", "mmi"} {
		res, err := pid.Decompose(c, 2, 2, 2, pid.Options{Method: method, Debias: true, N: 50})
		if err != nil {
			t.Fatal(err)
		}
		got := pidJSONOut(t, "-cov", cov, "-dm", "2", "-dx", "2", "-dy", "2", "-method", method, "-debias", "-n", "50")
		if got != fromResult(res) {
			t.Errorf("cov_vec %s: command %+v, library %+v", method, got, fromResult(res))
		}
	}
}

func TestPIDStdin(t *testing.T) {
	file := pidJSONOut(t, "-cov", filepath.Join(testdata, "cov_sum.csv"), "-dm", "1", "-dx", "1", "-dy", "1")
	code, stdout, stderr := cliStdin(t, "3,1,1\n1,1,0\n1,0,1\n", "pid", "-json", "-cov", "-", "-dm", "1", "-dx", "1", "-dy", "1")
	var got pidJSON
	if code != 0 || json.Unmarshal([]byte(stdout), &got) != nil || got != file {
		t.Errorf("stdin: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = cliStdin(t, "t,a\n1,2\n", "pid", "-data", "-", "-target", "t", "-x", "a", "-y", "b")
	if code != 2 || !strings.Contains(stderr, "pidreg: pid: -y: ") {
		t.Errorf("stdin error: status %d, stderr %q", code, stderr)
	}
	code, _, stderr = cliStdin(t, "", "pid", "-data", "-", "-target", "t", "-x", "a", "-y", "b")
	if code != 2 || !strings.Contains(stderr, "pidreg: pid: standard input: table: empty file") {
		t.Errorf("empty stdin: status %d, stderr %q", code, stderr)
	}
}

func TestPIDConstantColumnsReported(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("t,a,k,b\n")
	for i := range 40 {
		u, v := math.Sin(float64(i)), math.Cos(3*float64(i))
		fmt.Fprintf(&b, "%v,%v,7,%v\n", u+v+0.3*math.Sin(11*float64(i)), u, v)
	}
	p := filepath.Join(dir, "c.csv")
	os.WriteFile(p, []byte(b.String()), 0o600)
	code, stdout, stderr := cli(t, "pid", "-data", p, "-target", "t", "-x", "a,k", "-y", "b")
	if code != 0 || !strings.Contains(stdout, "constant columns dropped  k\n") || !strings.Contains(stdout, "rows                      40\n") {
		t.Errorf("status %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}

// write creates a file in dir and returns its path.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPIDBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(testdata, "gauss_small.csv")
	cov3 := filepath.Join(testdata, "cov_sum.csv")
	sizes := []string{"-dm", "1", "-dx", "1", "-dy", "1"}
	withSizes := func(path string) []string { return append([]string{"pid", "-cov", path}, sizes...) }
	data := func(path string, cols ...string) []string {
		return append([]string{"pid", "-data", path}, cols...)
	}
	cols := []string{"-target", "t", "-x", "a", "-y", "b"}

	nan := write(t, dir, "nan.csv", "t,a,b\n1,2,3\n4,NaN,6\n7,8,9\n1,1,2\n")
	ragged := write(t, dir, "ragged.csv", "t,a,b\n1,2,3\n4,5\n7,8,9\n")
	empty := write(t, dir, "empty.csv", "")
	headerOnly := write(t, dir, "header.csv", "t,a,b\n")
	few := write(t, dir, "few.csv", "t,a,b\n1,2,3\n4,5,7\n7,8,8\n1,0,2\n")
	text := write(t, dir, "text.csv", "t,a,b\n1,2,3\n4,five,6\n")
	nonSquare := write(t, dir, "nonsquare.csv", "1,0,0\n0,1,0\n")
	nonSym := write(t, dir, "nonsym.csv", "3,1,1\n1,1,0\n1.001,0,1\n")
	negVar := write(t, dir, "negvar.csv", "3,1,1\n1,-1,0\n1,0,1\n")
	notPD := write(t, dir, "notpd.csv", "1,0,0\n0,1,2\n0,2,1\n")
	nanCov := write(t, dir, "nancov.csv", "3,1,1\n1,NaN,0\n1,0,1\n")

	for _, tc := range []struct {
		name string
		msg  string
		args []string
	}{
		{"nan", `line 3, column 1 ("a"): "NaN": non-finite value`, data(nan, cols...)},
		{"ragged", "line 3 has 2 fields, the header has 3", data(ragged, cols...)},
		{"text cell", `line 3, column 1 ("a"): "five": not a number`, data(text, cols...)},
		{"empty data", "empty file", data(empty, cols...)},
		{"header only", "no data rows", data(headerOnly, cols...)},
		{"empty cov", "empty file", withSizes(empty)},
		{"missing file", "no such file", withSizes(filepath.Join(dir, "absent.csv"))},
		{"unknown column", `no column is named "zz"`, data(good, "-target", "target", "-x", "x1,zz", "-y", "y1")},
		{"out of range", "column 99 is out of range", data(good, "-target", "target", "-x", "99", "-y", "y1")},
		{"overlap", `column "x1" is in both -target and -x`, data(good, "-target", "x1", "-x", "x1,x2", "-y", "y1")},
		{"overlap by index", `column "x2" is in both -x and -y`, data(good, "-target", "0", "-x", "1-2", "-y", "x2")},
		{"too few rows", "4 data rows for 3 columns", data(few, cols...)},
		{"missing -y", "-data needs -y COLS", data(good, "-target", "target", "-x", "x1")},
		{"sizes with data", "-dm goes with -cov", data(good, "-target", "target", "-x", "x1", "-y", "y1", "-dm", "1")},
		{"cols with cov", "-x goes with -data", append(withSizes(cov3), "-x", "1")},
		{"no source", "need -cov FILE or -data FILE", []string{"pid", "-json"}},
		{"both sources", "either -cov or -data", []string{"pid", "-cov", cov3, "-data", good}},
		{"missing -dm", "-cov needs -dm ≥ 1", []string{"pid", "-cov", cov3, "-dx", "1", "-dy", "1"}},
		{"non-square", "is 2×3, not square", withSizes(nonSquare)},
		{"size mismatch", "1 + 1 + 2 = 4, but the covariance", []string{"pid", "-cov", cov3, "-dm", "1", "-dx", "1", "-dy", "2"}},
		{"non-symmetric", "not symmetric: entry (0,2) = 1 but (2,0) = 1.001", withSizes(nonSym)},
		{"negative variance", "variance of variable 1 is -1", withSizes(negVar)},
		{"nan in cov", `line 2, column 1: "NaN"`, withSizes(nanCov)},
		{"not positive definite", "pid:", withSizes(notPD)},
		{"debias without n", "-debias needs -n", append(withSizes(cov3), "-debias")},
		{"n too small", "-n 1", append(withSizes(cov3), "-n", "1")},
		{"debias rows", "pid:", append(withSizes(cov3), "-debias", "-n", "3")},
		{"bad method", `-method "exact"`, append(withSizes(cov3), "-method", "exact")},
		{"closed on vector target", "pid:", []string{"pid", "-cov", filepath.Join(testdata, "cov_vec.csv"), "-dm", "2", "-dx", "2", "-dy", "2", "-method", "closed"}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantFailure(t, tc.msg, tc.args...) })
	}
}

// TestPIDGolden compares the table output on the committed test files with
// golden copies; run `go test ./cmd/pidreg -run Golden -update` to rewrite
// them after an intended change.
func TestPIDGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"pid_cov_sum.txt", []string{"-cov", filepath.Join(testdata, "cov_sum.csv"), "-dm", "1", "-dx", "1", "-dy", "1"}},
		{"pid_cov_sum_debias.txt", []string{"-cov", filepath.Join(testdata, "cov_sum.csv"), "-dm", "1", "-dx", "1", "-dy", "1", "-n", "100", "-debias"}},
		{"pid_cov_copy.txt", []string{"-cov", filepath.Join(testdata, "cov_copy.csv"), "-dm", "1", "-dx", "2", "-dy", "2"}},
		{"pid_gauss_small.txt", []string{"-data", filepath.Join(testdata, "gauss_small.csv"), "-target", "target", "-x", "x1,x2,x3", "-y", "4-6"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			code, stdout, stderr := cli(t, append([]string{"pid"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("status %d: %s", code, stderr)
			}
			path := filepath.Join(testdata, "golden", tc.golden)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if stdout != string(want) {
				t.Errorf("output differs from %s:\n--- got\n%s--- want\n%s", path, stdout, want)
			}
		})
	}
}

// TestPIDDepCheckValues: -method dep on the two scalar systems whose I_dep
// atoms were computed by hand (unit variances, corr(X,M) = corr(Y,M) = 0.5,
// corr(X,Y) = 0 and 0.5).
func TestPIDDepCheckValues(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		cov  string
		want pidJSON
	}{
		{"1,0.5,0.5\n0.5,1,0\n0.5,0,1\n", atoms7(0.207519, 0.207519, 0.5, 0.160964, 0.160964, 0.046555, 0.131517, "dep")},
		{"1,0.5,0.5\n0.5,1,0.5\n0.5,0.5,1\n", atoms7(0.207519, 0.207519, 0.292481, 0.084963, 0.084963, 0.122556, 0, "dep")},
	} {
		path := write(t, dir, "c.csv", tc.cov)
		got := pidJSONOut(t, "-cov", path, "-dm", "1", "-dx", "1", "-dy", "1", "-method", "dep")
		checkClose(t, tc.cov, got, tc.want, 1e-6)
	}
}

// TestPIDDebiasIsExactBias: with -debias, each information is the plug-in
// value minus pid.MIBias, and the atoms follow from them.
func TestPIDDebiasIsExactBias(t *testing.T) {
	for _, tc := range []struct {
		file       string
		dm, dx, dy int
		n          string
		method     string
	}{
		{"cov_sum.csv", 1, 1, 1, "100", "auto"},
		{"cov_vec.csv", 2, 2, 2, "50", "mmi"},
		{"cov_vec.csv", 2, 2, 2, "50", "dep"},
	} {
		args := []string{"-cov", filepath.Join(testdata, tc.file), "-dm", fmt.Sprint(tc.dm), "-dx", fmt.Sprint(tc.dx), "-dy", fmt.Sprint(tc.dy), "-method", tc.method}
		plug := pidJSONOut(t, args...)
		cor := pidJSONOut(t, append(args, "-debias", "-n", tc.n)...)
		var n int
		fmt.Sscan(tc.n, &n)
		name := tc.file + " " + tc.method
		for _, q := range []struct {
			name      string
			got, want float64
		}{
			{"mi_x", cor.MIX, plug.MIX - pid.MIBias(n, tc.dm, tc.dx)},
			{"mi_y", cor.MIY, plug.MIY - pid.MIBias(n, tc.dm, tc.dy)},
			{"mi_xy", cor.MIXY, plug.MIXY - pid.MIBias(n, tc.dm, tc.dx+tc.dy)},
		} {
			if math.Abs(q.got-q.want) > 1e-9 {
				t.Errorf("%s: %s = %.12f, plug-in minus exact bias %.12f", name, q.name, q.got, q.want)
			}
		}
		if tc.method != "dep" { // the MMI atoms follow from the corrected informations alone
			ix, iy, ixy := cor.MIX, cor.MIY, cor.MIXY
			want := atoms7(ix, iy, ixy, math.Max(ix, iy)-iy, math.Max(ix, iy)-ix, math.Min(ix, iy), ixy-math.Max(ix, iy), cor.Method)
			checkClose(t, name+" atoms", cor, want, 1e-12)
		}
	}
}

// TestPIDBootstrapAndPermutations: -bootstrap and -permutations print what
// the library computes for the same seed, in the table and under the
// "ci95" and "p_value" keys of -json.
func TestPIDBootstrapAndPermutations(t *testing.T) {
	data := filepath.Join(testdata, "gauss_small.csv")
	tab, err := table.ReadFile(data, table.Options{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	m, x, y := tab.Select([]int{0}), tab.Select([]int{1, 2, 3}), tab.Select([]int{4, 5, 6})
	opt := pid.Options{Debias: true}
	ci, err := pid.Bootstrap(m, x, y, opt, pid.BootstrapOptions{B: 60, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	pv, err := pid.PermutationTest(m, x, y, opt, pid.PermutationOptions{P: 30, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-data", data, "-target", "target", "-x", "x1,x2,x3", "-y", "4-6", "-debias", "-bootstrap", "60", "-permutations", "30", "-seed", "7"}
	code, stdout, stderr := cli(t, append([]string{"pid", "-json"}, args...)...)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ci95", "p_value"} {
		var inner map[string]any
		if err := json.Unmarshal(keys[k], &inner); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		got := make([]string, 0, len(inner))
		for q := range inner {
			got = append(got, q)
		}
		slices.Sort(got)
		if want := []string{"mi_x", "mi_xy", "mi_y", "redundancy", "synergy", "unique_x", "unique_y"}; !slices.Equal(got, want) {
			t.Errorf("%s keys %q, want %q", k, got, want)
		}
	}
	got := pidJSONOut(t, args...)
	want := pidReport{res: ci.Estimate, ci: &ci, pvals: &pv}.jsonOf()
	if got.CI95 == nil || got.PValue == nil || *got.CI95 != *want.CI95 || *got.PValue != *want.PValue {
		t.Errorf("command ci %+v p %+v\nlibrary ci %+v p %+v", got.CI95, got.PValue, want.CI95, want.PValue)
	}
	if got.MIXY != ci.Estimate.MIXY {
		t.Errorf("estimate %v, library %v", got.MIXY, ci.Estimate.MIXY)
	}
	for _, iv := range [][2]float64{got.CI95.MIX, got.CI95.MIXY, got.CI95.Synergy} {
		if !(iv[0] <= iv[1]) {
			t.Errorf("interval %v", iv)
		}
	}
	code, stdout, stderr = cli(t, append([]string{"pid"}, args...)...)
	if code != 0 || !strings.Contains(stdout, "95% interval") || !strings.Contains(stdout, "bootstrap                 60 resamples, seed 7, bc intervals") ||
		!strings.Contains(stdout, fmt.Sprintf("[%7.4f, %7.4f]  %7.4f", ci.MIXY.Lo, ci.MIXY.Hi, pv.MIXY)) {
		t.Errorf("table: status %d, stderr %q\n%s", code, stderr, stdout)
	}
}

func TestPIDResamplingBadInput(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("t,a,b\n")
	for i := range 10 {
		fmt.Fprintf(&b, "%v,%v,%v\n", math.Sin(float64(i)), math.Cos(float64(3*i)), math.Sin(float64(7*i)))
	}
	few := write(t, dir, "few.csv", b.String())
	data := []string{"pid", "-data", filepath.Join(testdata, "gauss_small.csv"), "-target", "target", "-x", "x1,x2,x3", "-y", "4-6"}
	cov := []string{"pid", "-cov", filepath.Join(testdata, "cov_sum.csv"), "-dm", "1", "-dx", "1", "-dy", "1"}
	for _, tc := range []struct {
		name string
		msg  string
		args []string
	}{
		{"too few rows for resamples", "bootstrap of 3 variables needs at least 19 rows", []string{"pid", "-data", few, "-target", "t", "-x", "a", "-y", "b", "-bootstrap", "100"}},
		{"B = 0", "-bootstrap 0: need at least 1 resample", append(data, "-bootstrap", "0")},
		{"B < 0", "-bootstrap -5: need at least 1 resample", append(data, "-bootstrap", "-5")},
		{"P = 0", "-permutations 0: need at least 1 permutation", append(data, "-permutations", "0")},
		{"bootstrap with cov", "-bootstrap resamples rows, so it needs -data", append(cov, "-bootstrap", "10")},
		{"seed alone", "-seed goes with -bootstrap or -permutations", append(data, "-seed", "3")},
		{"dep on a singular covariance", "singular", []string{"pid", "-cov", filepath.Join(testdata, "cov_copy.csv"), "-dm", "1", "-dx", "2", "-dy", "2", "-method", "dep"}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantFailure(t, tc.msg, tc.args...) })
	}
}
