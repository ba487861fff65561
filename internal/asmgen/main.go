// Command asmgen writes the assembly kernels of pidreg with avo
// (github.com/mmcloughlin/avo), with their Go declarations:
//
//	asmgen -for gemm -dir DIR          kernel_amd64.s, kernel_amd64.go: the AVX2+FMA matrix micro-kernels of internal/gemm
//	asmgen -for regularizer -dir DIR   exp_amd64.s, exp_amd64.go: the AVX2 exponential of package regularizer
//	asmgen -for encoder -dir DIR       bn_amd64.s, bn_amd64.go: the AVX2 BatchNorm row loops of package encoder
//
// It lives in its own module so that avo stays out of the dependency graph
// of pidreg's users; each package runs it through go:generate
// (go generate ./internal/gemm/ ./regularizer/ ./encoder/), and a test in each fails
// when the committed files differ from the generator's output.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/pass"
	"github.com/mmcloughlin/avo/printer"
)

func main() {
	pkg := flag.String("for", "gemm", "package to write the kernels of: gemm, regularizer or encoder (avo itself defines -pkg)")
	out := flag.String("dir", ".", "directory to write the files into")
	flag.Parse()

	ctx := NewContext()
	var base string
	switch *pkg {
	case "gemm":
		gemmKernels(ctx)
		base = "kernel_amd64"
	case "regularizer":
		expKernels(ctx)
		base = "exp_amd64"
	case "encoder":
		bnKernels(ctx)
		base = "bn_amd64"
	default:
		log.Fatalf("asmgen: unknown package %q (want gemm, regularizer or encoder)", *pkg)
	}
	f, err := ctx.Result()
	if err != nil {
		log.Fatal(err)
	}
	if err := pass.Compile.Execute(f); err != nil {
		log.Fatal(err)
	}
	// A fixed header (not the command line, which avo records by default)
	// keeps the output the same wherever it is written to.
	cfg := printer.Config{Name: "internal/asmgen", Pkg: *pkg}
	for name, p := range map[string]printer.Printer{
		base + ".s":  printer.NewGoAsm(cfg),
		base + ".go": printer.NewStubs(cfg),
	} {
		b, err := p.Print(f)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*out, name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
