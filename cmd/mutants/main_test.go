package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"portal/internal/testkit"
)

// TestEveryMutantStillApplies keeps the mutants honest as the code moves:
// a patch that no longer applies to the tree cannot break its rule, and
// `make mutants` would only report it as not judged. Whoever changes the
// lines under a mutant refreshes its patch in the same change (the same
// mutation, never a weaker one).
func TestEveryMutantStillApplies(t *testing.T) {
	// git apply --check works outside a git checkout too, so the tree is
	// found by its go.mod, not by git.
	root, err := testkit.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ms, err := load(filepath.Join(root, "testdata", "mutants"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no mutants in testdata/mutants")
	}
	for _, m := range ms {
		cmd := exec.Command("git", "apply", "--check", "-")
		cmd.Dir = root
		cmd.Stdin = bytes.NewReader(m.Patch)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("mutant %s no longer applies (refresh its patch): %v\n%s", m.Name, err, out)
		}
		for _, p := range m.Packages {
			dir := filepath.Join(root, strings.TrimSuffix(p, "/..."))
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				t.Errorf("mutant %s names package %q, which is not a folder of the tree", m.Name, p)
			}
		}
	}
}
