// The connection driver of scripts/callout-perf.sh (nats.go 1.22.1 from Debian, GOPATH
// mode): N connections with a user and password, C at a time; each connects (nats.Connect
// returns once the server has answered the CONNECT, i.e. after the auth callout), records
// its latency and closes.
//
//	driver --url URL --user NAME --password PASSWORD [-n 2000] [-c 16] [--expect-fail]
//
// Prints one JSON line: count, failures, wall_s, connects_per_s, p50_ms, p99_ms (latencies
// of the successful connections), and first_error. With --expect-fail a connection that
// succeeds is the failure (for checking that a wrong password is refused).
// Exits 1 when any connection failed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

type result struct {
	Count        int     `json:"count"`
	Failures     int64   `json:"failures"`
	WallS        float64 `json:"wall_s"`
	ConnectsPerS float64 `json:"connects_per_s"`
	P50Ms        float64 `json:"p50_ms"`
	P99Ms        float64 `json:"p99_ms"`
	FirstError   string  `json:"first_error,omitempty"`
}

// quantile is the nearest-rank quantile of sorted latencies, in milliseconds.
func quantile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	if rank < 0 {
		rank = 0
	}
	return float64(sorted[rank]) / float64(time.Millisecond)
}

func main() {
	url := flag.String("url", nats.DefaultURL, "server URL")
	user := flag.String("user", "", "user name")
	password := flag.String("password", "", "password")
	n := flag.Int("n", 2000, "connections")
	c := flag.Int("c", 16, "concurrency")
	timeout := flag.Duration("timeout", 10*time.Second, "dial timeout per connection")
	expectFail := flag.Bool("expect-fail", false, "every connection must be refused")
	flag.Parse()
	if *n < 1 || *c < 1 || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: driver --url URL --user NAME --password PASSWORD [-n N] [-c C] [--expect-fail]")
		os.Exit(64)
	}

	latencies := make([]time.Duration, *n)
	ok := make([]bool, *n)
	var failures int64
	var firstError atomic.Value
	var next int64 = -1
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(atomic.AddInt64(&next, 1))
				if i >= *n {
					return
				}
				t0 := time.Now()
				nc, err := nats.Connect(*url,
					nats.UserInfo(*user, *password),
					nats.Timeout(*timeout),
					nats.NoReconnect(),
					nats.Name("callout-go driver"),
				)
				elapsed := time.Since(t0)
				if err == nil {
					nc.Close()
				}
				switch {
				case err == nil && !*expectFail:
					latencies[i], ok[i] = elapsed, true
				case err != nil && *expectFail:
					latencies[i], ok[i] = elapsed, true
				default:
					atomic.AddInt64(&failures, 1)
					if err == nil {
						err = fmt.Errorf("connection %d was accepted", i)
					}
					firstError.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)

	var good []time.Duration
	for i, d := range latencies {
		if ok[i] {
			good = append(good, d)
		}
	}
	sort.Slice(good, func(a, b int) bool { return good[a] < good[b] })
	r := result{
		Count:        *n,
		Failures:     failures,
		WallS:        wall.Seconds(),
		ConnectsPerS: float64(len(good)) / wall.Seconds(),
		P50Ms:        quantile(good, 0.50),
		P99Ms:        quantile(good, 0.99),
	}
	if e, _ := firstError.Load().(string); e != "" {
		r.FirstError = e
	}
	line, _ := json.Marshal(r)
	fmt.Println(string(line))
	if failures > 0 {
		os.Exit(1)
	}
}
