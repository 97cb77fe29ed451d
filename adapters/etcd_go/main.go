// Command etcd-go speaks taala's process-adapter protocol v1 (docs/spec-protocol-v1.md) for
// etcd's own Go lock recipe: clientv3/concurrency's Mutex on a Session, from the etcd 3.4.23
// sources Debian packages (golang-etcd-server-dev), as a Go service would use it:
//
//	s, _ := concurrency.NewSession(c, concurrency.WithTTL(ttl))  // grant + keep-alive goroutine
//	m := concurrency.NewMutex(s, key)
//	m.Lock(ctx)   // txn: put key/<lease> if absent, then wait for every older key to go
//	m.Unlock(ctx) // delete key/<lease>
//
// Each acquire opens a session of its own (a fresh lease of `ttl` whole seconds, kept alive
// every third of it by clientv3's lessor) and closes it (revokes the lease) on release, as
// the Python twin `etcd-lock` grants a lease per acquire. Lock waits at most max_wait leases
// (`-max-wait`): past it the Mutex deletes its waiting key itself, the adapter revokes the
// lease and answers "not acquired"; a revoke that fails leaves the outcome unknown.
//
// Client c talks to node c mod n only (one endpoint, like `etcd-lock`), so a node cut off
// from its peers takes that client's keep-alives with it. Nothing here checks the session
// after Lock returns: the recipe is vetted as etcd ships it. In 3.4 that includes a waiter
// whose own lease expired while it waited (paused, cut off): its key is gone, yet Lock
// returns nil once the older keys go, beside whoever took the lock meanwhile (etcd #9921;
// 3.5's Lock re-reads its key and returns ErrSessionExpired). etcd-lock's server-side lock
// API runs this same Mutex for its caller, so the twins share that too.
//
// stdout carries protocol replies only; clientv3's logs go to stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/clientv3/concurrency"

	"taala/protocol"
)

type held struct {
	session *concurrency.Session
	mutex   *concurrency.Mutex
}

type adapter struct {
	client        *clientv3.Client
	seconds       int
	lease         time.Duration
	maxWaitLeases float64 // -max-wait
	maxWait       time.Duration
	mine          map[string]held // lock name -> its session and mutex
}

// bounded runs f and gives up waiting for it after d: clientv3 calls made with the client's
// own context (NewSession's grant, the Mutex's cleanup of a timed-out wait) have no deadline
// of their own. An abandoned call's outcome goes to late, in f's goroutine, when it comes.
func bounded(d time.Duration, f func() error, late func(error)) (err error, timedOut bool) {
	done := make(chan error, 1)
	abandoned := make(chan struct{})
	go func() {
		err := f()
		select {
		case done <- err:
		case <-abandoned:
			late(err)
		}
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-done:
		return err, false
	case <-timer.C:
		close(abandoned)
		select { // it may have finished in the meantime
		case err := <-done:
			return err, false
		default:
		}
		return fmt.Errorf("no answer within %v", d), true
	}
}

func (a *adapter) Hello(r protocol.Hello) error {
	a.maxWait = time.Duration(a.maxWaitLeases * r.TTL * float64(time.Second))
	if len(r.Addresses) == 0 {
		return errors.New("no etcd address")
	}
	a.seconds = int(math.Ceil(r.TTL))
	if float64(a.seconds) != r.TTL || a.seconds < 1 {
		return fmt.Errorf("etcd leases are whole seconds, not %g s", r.TTL)
	}
	a.lease = time.Duration(a.seconds) * time.Second
	endpoint := r.Addresses[r.Client%len(r.Addresses)]
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{endpoint},
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		return err
	}
	a.client = c
	a.mine = map[string]held{}
	return nil
}

// Acquire answers (token, nil) when held, ("", nil) when not, or an error when unknown.
func (a *adapter) Acquire(key string) (string, error) {
	var s *concurrency.Session
	open := func() error {
		var err error
		s, err = concurrency.NewSession(a.client, concurrency.WithTTL(a.seconds))
		return err
	}
	// the grant, bounded like the Python twin's HTTP timeout (one lease, at least 1 s);
	// a grant answered too late is revoked
	if err, _ := bounded(maxDuration(a.lease, time.Second), open, func(err error) {
		if err == nil {
			s.Close()
		}
	}); err != nil {
		return "", err
	}
	m := concurrency.NewMutex(s, key)
	ctx, cancel := context.WithTimeout(context.Background(), a.maxWait)
	defer cancel()
	// Lock's own cleanup of a timed-out wait (Unlock with the client's context) has no
	// deadline: one more lease bounds it, inside taala's (max_wait + 1 lease + 5 s). Whatever
	// the abandoned Lock ends with, its session is closed (the lease revoked) then.
	err, timedOut := bounded(a.maxWait+a.lease, func() error { return m.Lock(ctx) }, func(error) { s.Close() })
	if timedOut {
		return "", err // the key may be ours until the late Lock returns
	}
	if err == nil {
		a.mine[key] = held{s, m}
		return m.Key(), nil
	}
	// revoking the lease deletes our key (waiting, or granted in the same instant)
	if rerr := s.Close(); rerr != nil {
		return "", fmt.Errorf("lock failed (%s), then revoke failed (%s)", protocol.OneLine(err), protocol.OneLine(rerr))
	}
	if ctx.Err() != nil {
		return "", nil // gave up waiting, and certainly hold nothing
	}
	return "", err
}

// Release lets go of what this client holds under key (its Mutex knows its own key: the
// token is not needed).
func (a *adapter) Release(key string, _ json.RawMessage) (bool, error) {
	h, ok := a.mine[key]
	if !ok {
		return false, nil
	}
	delete(a.mine, key)
	ctx, cancel := context.WithTimeout(context.Background(), maxDuration(a.lease, time.Second))
	err := h.mutex.Unlock(ctx) // a delete of our key: succeeds whether it was still there or not
	cancel()
	h.session.Close() // best effort: an unrevoked lease expires within a TTL
	if err != nil {
		return false, err
	}
	return true, nil
}

func (a *adapter) Close() {
	for key, h := range a.mine {
		h.session.Close()
		delete(a.mine, key)
	}
	if a.client != nil {
		a.client.Close()
	}
}

func maxDuration(x, y time.Duration) time.Duration {
	if x > y {
		return x
	}
	return y
}

func main() {
	maxWait := flag.Float64("max-wait", 2.0, "the longest Lock waits, in leases")
	flag.Parse()
	protocol.Serve("etcd-go", &adapter{maxWaitLeases: *maxWait})
}
