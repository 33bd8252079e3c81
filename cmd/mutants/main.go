// Command mutants checks that the test suite notices a broken security rule.
// Each file in testdata/mutants is one mutation: a short header naming the
// rule and the test packages that must catch it, then a patch (git diff
// format) that breaks the rule. For every mutant, the tree (tracked and
// untracked files, as they are now) is copied to a scratch directory, the
// patch applied, and only the named packages tested (go test -p 1). A mutant
// is killed when a test fails; it survived when they all pass. A patch that
// no longer applies or a mutant that does not build is an error: fix the
// patch, never count it.
//
// Header lines, before the first "diff --git":
//
//	Rule: what the patch breaks, in one line
//	Packages: ./internal/customer ./web/team
//	Run: TestA|TestB   (optional: only these tests, for slow packages)
//
// Usage: go run ./cmd/mutants [-only regexp] [-keep]
//
// Exit status 1 when any mutant survived or could not be judged.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

type mutant struct {
	Name     string
	Rule     string
	Packages []string
	Run      string
	Patch    []byte
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("mutants", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dir := flags.String("dir", "testdata/mutants", "folder of mutant patches")
	only := flags.String("only", "", "run only mutants whose name matches this regexp")
	keep := flags.Bool("keep", false, "keep the scratch copy of the last mutant")
	verbose := flags.Bool("v", false, "print the failing tests' output")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(stderr, "mutants:", err)
		return 2
	}
	ms, err := load(filepath.Join(root, *dir))
	if err != nil {
		fmt.Fprintln(stderr, "mutants:", err)
		return 2
	}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			fmt.Fprintln(stderr, "mutants: -only:", err)
			return 2
		}
		var kept []mutant
		for _, m := range ms {
			if re.MatchString(m.Name) {
				kept = append(kept, m)
			}
		}
		ms = kept
	}
	if len(ms) == 0 {
		fmt.Fprintln(stderr, "mutants: no mutants")
		return 2
	}
	files, err := treeFiles(root)
	if err != nil {
		fmt.Fprintln(stderr, "mutants:", err)
		return 2
	}
	// One scratch path for every mutant of this run, so the build cache
	// serves the packages a patch does not touch; runs side by side do not
	// share it.
	scratch := filepath.Join(os.TempDir(), fmt.Sprintf("portal-mutants-%d", os.Getpid()), filepath.Base(root))
	killed, survived, broken := 0, 0, 0
	for _, m := range ms {
		start := time.Now()
		verdict, detail := judge(root, scratch, files, m)
		switch verdict {
		case "killed":
			killed++
			fmt.Fprintf(stdout, "%s: killed by %s (%s)\n", m.Name, detail.tests, time.Since(start).Round(time.Second))
		case "survived":
			survived++
			fmt.Fprintf(stdout, "%s: SURVIVED (%s; %s)\n", m.Name, m.Rule, strings.Join(m.Packages, " "))
		default:
			broken++
			fmt.Fprintf(stdout, "%s: ERROR %s\n", m.Name, detail.reason)
		}
		if *verbose && detail.output != "" {
			fmt.Fprintln(stdout, indent(detail.output))
		}
	}
	if !*keep {
		_ = os.RemoveAll(filepath.Dir(scratch))
	}
	if broken > 0 {
		fmt.Fprintf(stdout, "%d killed, %d survived, %d could not be judged\n", killed, survived, broken)
	} else {
		fmt.Fprintf(stdout, "%d killed, %d survived\n", killed, survived)
	}
	if survived > 0 || broken > 0 {
		return 1
	}
	return 0
}

type result struct {
	tests  string // the failing tests, for a killed mutant
	reason string // why a mutant could not be judged
	output string // the failing tests' output
}

func judge(root, scratch string, files []string, m mutant) (string, result) {
	if err := os.RemoveAll(scratch); err != nil {
		return "error", result{reason: err.Error()}
	}
	if err := copyTree(root, scratch, files); err != nil {
		return "error", result{reason: "copy: " + err.Error()}
	}
	apply := exec.Command("git", "apply", "--whitespace=nowarn", "-")
	apply.Dir = scratch
	apply.Stdin = bytes.NewReader(m.Patch)
	// The scratch copy is not a repository: git apply patches plain files.
	apply.Env = append(os.Environ(), "GIT_CEILING_DIRECTORIES="+filepath.Dir(scratch))
	if out, err := apply.CombinedOutput(); err != nil {
		return "error", result{reason: "patch does not apply: " + strings.TrimSpace(string(out))}
	}
	args := []string{"test", "-p", "1", "-count=1", "-failfast", "-timeout", "15m", "-json"}
	if m.Run != "" {
		args = append(args, "-run", m.Run)
	}
	args = append(args, m.Packages...)
	cmd := exec.Command("go", args...)
	cmd.Dir = scratch
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	failed, outputs, buildFailed := parse(out)
	switch {
	case buildFailed != "":
		return "error", result{reason: "does not build: " + firstLines(buildFailed+stderr.String(), 6)}
	case len(failed) > 0:
		r := result{tests: failed[0]}
		if len(failed) > 1 {
			r.tests += fmt.Sprintf(" (+%d more)", len(failed)-1)
		}
		var b strings.Builder
		for _, t := range failed {
			b.WriteString(outputs[t])
		}
		r.output = b.String()
		return "killed", r
	case runErr != nil:
		return "error", result{reason: "go test failed without a failing test: " + firstLines(stderr.String()+string(out), 6)}
	}
	return "survived", result{}
}

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// parse reads go test -json: the top-level tests that failed, in order,
// with their output, and any package that failed to build.
func parse(out []byte) (failed []string, outputs map[string]string, buildFailed string) {
	outputs = map[string]string{}
	pkgOut := map[string]*strings.Builder{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		top, _, _ := strings.Cut(e.Test, "/")
		switch {
		case e.Action == "output" && e.Test != "":
			outputs[top] += e.Output
		case e.Action == "output":
			if pkgOut[e.Package] == nil {
				pkgOut[e.Package] = &strings.Builder{}
			}
			pkgOut[e.Package].WriteString(e.Output)
		case e.Action == "fail" && e.Test != "":
			if !seen[top] {
				seen[top] = true
				failed = append(failed, top)
			}
		case e.Action == "fail" && e.Test == "":
			o := ""
			if pkgOut[e.Package] != nil {
				o = pkgOut[e.Package].String()
			}
			if strings.Contains(o, "[build failed]") || strings.Contains(o, "[setup failed]") {
				buildFailed += o
			} else if len(failed) == 0 {
				// A package that failed outside any test (TestMain, a
				// panic in init) still noticed the mutant.
				failed = append(failed, e.Package+" (package)")
				outputs[e.Package+" (package)"] = o
			}
		}
	}
	return failed, outputs, buildFailed
}

func load(dir string) ([]mutant, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ms []mutant
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".patch") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		m := mutant{Name: strings.TrimSuffix(e.Name(), ".patch")}
		i := bytes.Index(raw, []byte("diff --git "))
		if i < 0 {
			return nil, fmt.Errorf("%s: no diff --git in the patch", e.Name())
		}
		m.Patch = raw[i:]
		for _, line := range strings.Split(string(raw[:i]), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "rule":
				m.Rule = v
			case "packages":
				m.Packages = strings.Fields(v)
			case "run":
				m.Run = v
			}
		}
		if m.Rule == "" || len(m.Packages) == 0 {
			return nil, fmt.Errorf("%s: the header needs Rule and Packages lines", e.Name())
		}
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	return ms, nil
}

func repoRoot() (string, error) {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", errors.New("not inside the repository")
	}
	return strings.TrimSpace(string(out)), nil
}

// treeFiles lists the tree as it is now: tracked and untracked files (not
// ignored ones), plus the vendored front-end files some tests serve.
func treeFiles(root string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(root, f)); err != nil {
			continue // deleted but not yet committed
		}
		files = append(files, f)
	}
	vendor := filepath.Join(root, "static", "vendor")
	_ = filepath.WalkDir(vendor, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, rel)
		}
		return nil
	})
	return files, nil
}

func copyTree(root, dst string, files []string) error {
	for _, f := range files {
		src := filepath.Join(root, f)
		info, err := os.Lstat(src)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(src)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, to); err != nil {
				return err
			}
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(to, data, info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
