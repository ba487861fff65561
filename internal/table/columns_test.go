package table

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseColumns(t *testing.T) {
	header := []string{"target", "x1", "x2", "2-3", "y-1", "7", "y2"}
	for _, tc := range []struct {
		spec   string
		header []string
		want   []int
	}{
		{"0", header, []int{0}},
		{" x1 , x2 ", header, []int{1, 2}},
		{"1-2,6", header, []int{1, 2, 6}},
		{"2-3", header, []int{3}}, // a header name wins over the range reading
		{"y-1", header, []int{4}}, // names may contain '-'
		{"7", header, []int{5}},   // and may look like an index
		{"6,0-1", header, []int{6, 0, 1}},
		{"4-4", nil, []int{4}},
		{"0-2 , 5", nil, []int{0, 1, 2, 5}},
		{"x1-x2", header, []int{1, 2}},        // a range of names
		{"x1 - 2,y2", header, []int{1, 2, 6}}, // a name and an index
		{"target-y-1", header, []int{0, 1, 2, 3, 4}},
		{"y-1-y2", header, []int{4, 5, 6}}, // the name "y-1" starts it
	} {
		got, err := ParseColumns(tc.spec, tc.header, 7)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseColumns(%q) = %v, %v; want %v", tc.spec, got, err, tc.want)
		}
	}
}

func TestParseColumnsErrors(t *testing.T) {
	header := []string{"a", "b", "c", "b"}
	for _, tc := range []struct {
		spec   string
		header []string
		msg    string
	}{
		{"", header, "empty column list"},
		{"  ", header, "empty column list"},
		{"a,,c", header, "item 2 is empty"},
		{"a,", header, "item 2 is empty"},
		{"zz", header, `no column is named "zz"`},
		{"zz", nil, "no header"},
		{"4", header, "out of range [0, 3]"},
		{"99999999999999999999999", header, "out of range"},
		{"2-1", header, `range "2-1" is reversed`},
		{"1-9", header, "past the last column 3"},
		{"-1", header, `no column is named "-1"`},
		{"+1", header, `no column is named "+1"`},
		{"1-", header, `no column is named "1-"`},
		{"1-2-3", header, `no column is named "1-2-3"`},
		{"a,0", header, `column 0 given twice ("a" and "0")`},
		{"0-2,1", header, "column 1 given twice"},
		{"b", header, `the name "b" is shared by columns 1 and 3`},
		{"B", header, `no column is named "B" (did you mean "b"?)`},
		{"c-a", header, `range "c-a" is reversed`},
		{"a-zz", header, `no column is named "a-zz"`},
		{"a-b", header, `range "a-b": the name "b" is shared by columns 1 and 3, so it cannot end a range`},
		{"b-c", header, `the name "b" is shared by columns 1 and 3`},
	} {
		_, err := ParseColumns(tc.spec, tc.header, 4)
		if !errors.Is(err, ErrColumnSpec) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseColumns(%q): err = %v, want one containing %q", tc.spec, err, tc.msg)
		}
	}
	if _, err := ParseColumns("0", []string{"a"}, 2); !errors.Is(err, ErrColumnSpec) {
		t.Errorf("header/ncols mismatch: %v", err)
	}
}
