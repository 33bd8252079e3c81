package main

import (
	"fmt"
	"strings"
	"time"
)

// row is one line of the table; base is the baseline it is compared with,
// if there is one.
type row struct {
	r    result
	base *result
}

// check is one target with its measured figure.
type check struct {
	What, Target, Got string
	Pass              bool
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func printTable(rows, heavy []row, rss int64, ready time.Duration, checks []check) {
	fmt.Printf("\n%-42s %10s %10s %10s %8s %8s %12s %10s\n", "target", "req/s", "p50", "p99", "requests", "errors", "req/s ratio", "p99 ratio")
	fmt.Println(strings.Repeat("-", 117))
	for _, r := range rows {
		rr, pr := "", ""
		if r.base != nil {
			rr = fmt.Sprintf("%.2fx", r.r.Rate/r.base.Rate)
			pr = fmt.Sprintf("%.2fx", ratio(r.r.P99, r.base.P99))
		}
		fmt.Printf("%-42s %10.1f %10s %10s %8d %8d %12s %10s\n", r.r.Name, r.r.Rate, ms(r.r.P50), ms(r.r.P99), r.r.Requests, r.r.Errors, rr, pr)
	}
	fmt.Printf("\ncost as work grows (one customer with %d sessions, one client; ratios against page 1):\n", nHeavy)
	for _, r := range heavy {
		rr, pr := "", ""
		if r.base != nil {
			rr = fmt.Sprintf("%.2fx", r.r.Rate/r.base.Rate)
			pr = fmt.Sprintf("%.2fx", ratio(r.r.P99, r.base.P99))
		}
		fmt.Printf("%-42s %10.1f %10s %10s %8d %8d %12s %10s\n", r.r.Name, r.r.Rate, ms(r.r.P50), ms(r.r.P99), r.r.Requests, r.r.Errors, rr, pr)
	}
	fmt.Printf("\npeak RSS (VmHWM) of portal serve: %.1f MiB\n", float64(rss)/(1<<20))
	fmt.Printf("start to ready (exec → first 200 /readyz, migrated db): %s\n", ms(ready))
	fmt.Printf("\n%-34s %-20s %-20s %s\n", "target", "wanted", "measured", "")
	fmt.Println(strings.Repeat("-", 82))
	for _, c := range checks {
		v := "MISS"
		if c.Pass {
			v = "PASS"
		}
		fmt.Printf("%-34s %-20s %-20s %s\n", c.What, c.Target, c.Got, v)
	}
}
