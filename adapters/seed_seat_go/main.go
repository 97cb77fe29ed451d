// Command seed-seat-go speaks taala's process-adapter protocol v1 (docs/spec-protocol-v1.md)
// for the talk's BookMyShow seat lock in Go (docs/talk.md, seed M2b, L945-1013), kept as
// written and ported from go-redis v8 to v5 (gopkg.in/redis.v5, the Go Redis client Debian
// packages) only where the API differs: v5 takes no context argument.
//
//	lockKey := fmt.Sprintf("seat_lock:%s:%s", showID, seatNumber)
//	lockValue := fmt.Sprintf("%s:%d", userID, time.Now().Unix())
//	lockAcquired, err := bms.redisClient.SetNX(ctx, lockKey, lockValue, 30*time.Second).Result()
//	... // not acquired: "seat is being booked by another user"
//	defer: bms.redisClient.Eval(ctx, luaScript, []string{lockKey}, lockValue)  // GET == value then DEL
//
// What the port adds, none of it logic: the runner's key is the seat number on one show; each
// taala client is a user of its own (`user_<client>`: the contenders for a seat are different
// users), so the timestamp token is unique among holders (two requests of the *same* user in
// one second would share it, seed F2: `seed-redis-phonepe`); the 30 s expiry is the runner's
// TTL (go-redis sends `EX` for whole seconds, `PX` otherwise). The talk's deferred release
// ignores the script's answer; this adapter reports it to taala (1: released, 0: not ours)
// and changes nothing with it. The client is configured as the talk's (address, no
// password, DB 0); v5's defaults then differ from v8's in one way that matters under
// faults: v5 retries no command (v8 retries up to 3 times after a network error).
//
// stdout carries protocol replies only; nothing is logged.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/redis.v5"
)

const maxLine = 65536

const showID = "show_1" // one show: the runner's keys are its seats

// the talk's release script, verbatim
const luaScript = `
        if redis.call("get", KEYS[1]) == ARGV[1] then
            return redis.call("del", KEYS[1])
        else
            return 0
        end
        `

type request struct {
	Taala     *int            `json:"taala"`
	ID        json.RawMessage `json:"id"`
	Op        string          `json:"op"`
	Addresses []string        `json:"addresses"`
	TTL       float64         `json:"ttl"`
	Client    int             `json:"client"`
	Key       string          `json:"key"`
	Token     json.RawMessage `json:"token"`
}

type adapter struct {
	redisClient *redis.Client
	userID      string
	ttl         time.Duration
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func (a *adapter) hello(r request) error {
	if len(r.Addresses) == 0 {
		return errors.New("no Redis address")
	}
	a.ttl = time.Duration(r.TTL * float64(time.Second))
	if a.ttl <= 0 {
		return fmt.Errorf("bad ttl %g", r.TTL)
	}
	a.userID = fmt.Sprintf("user_%d", r.Client)
	a.redisClient = redis.NewClient(&redis.Options{
		Addr:     r.Addresses[0],
		Password: "",
		DB:       0,
	})
	return nil
}

func lockKeyOf(seatNumber string) string {
	return fmt.Sprintf("seat_lock:%s:%s", showID, seatNumber)
}

// acquire is BookSeat up to its critical section: (lockValue, nil) when acquired, ("", nil)
// when the seat is being booked by another user, or an error (unknown outcome).
func (a *adapter) acquire(seatNumber string) (string, error) {
	lockKey := lockKeyOf(seatNumber)

	// Try to acquire distributed lock
	lockValue := fmt.Sprintf("%s:%d", a.userID, time.Now().Unix())

	// Redis SET with NX (Not eXists) and EX (EXpiry)
	lockAcquired, err := a.redisClient.SetNX(lockKey, lockValue, a.ttl).Result()
	if err != nil {
		return "", fmt.Errorf("failed to acquire lock: %v", err)
	}

	if !lockAcquired {
		return "", nil // "seat is being booked by another user"
	}
	return lockValue, nil
}

// release is BookSeat's deferred release, with the lockValue acquire returned.
func (a *adapter) release(seatNumber, lockValue string) (bool, error) {
	lockKey := lockKeyOf(seatNumber)
	// Always release lock using Lua script for safety
	n, err := a.redisClient.Eval(luaScript, []string{lockKey}, lockValue).Result()
	if err != nil {
		return false, err
	}
	deleted, _ := n.(int64)
	return deleted == 1, nil
}

func (a *adapter) close() {
	if a.redisClient != nil {
		a.redisClient.Close()
	}
}

func main() {
	a := &adapter{}
	in := bufio.NewReaderSize(os.Stdin, maxLine+1)
	out := bufio.NewWriter(os.Stdout)
	reply := func(v map[string]interface{}) {
		line, _ := json.Marshal(v)
		out.Write(line)
		out.WriteByte('\n')
		out.Flush()
	}
	first := true
	for {
		line, err := in.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			fmt.Fprintln(os.Stderr, "seed-seat-go: request over 65536 bytes")
			os.Exit(2)
		}
		if err == io.EOF && len(line) == 0 {
			a.close()
			return
		}
		if err != nil && err != io.EOF {
			fmt.Fprintln(os.Stderr, "seed-seat-go: stdin:", err)
			a.close()
			os.Exit(2)
		}
		var r request
		if jerr := json.Unmarshal(line, &r); jerr != nil {
			fmt.Fprintln(os.Stderr, "seed-seat-go: bad request:", jerr)
			os.Exit(2)
		}
		if first {
			first = false
			switch {
			case r.Op != "hello":
				reply(map[string]interface{}{"taala": 1, "error": "expected hello, got " + r.Op})
			case r.Taala == nil || *r.Taala != 1:
				reply(map[string]interface{}{"taala": 1, "error": "speaks protocol 1"})
			default:
				if herr := a.hello(r); herr != nil {
					reply(map[string]interface{}{"taala": 1, "error": oneLine(herr)})
				} else {
					reply(map[string]interface{}{"taala": 1, "ok": true})
				}
			}
			continue
		}
		id := r.ID
		switch r.Op {
		case "acquire":
			token, aerr := a.acquire(r.Key)
			switch {
			case aerr != nil:
				reply(map[string]interface{}{"id": id, "error": oneLine(aerr)})
			case token == "":
				reply(map[string]interface{}{"id": id, "ok": false})
			default:
				reply(map[string]interface{}{"id": id, "ok": true, "token": token})
			}
		case "release":
			var lockValue string
			if jerr := json.Unmarshal(r.Token, &lockValue); jerr != nil {
				reply(map[string]interface{}{"id": id, "ok": false}) // not a token this adapter minted
				break
			}
			ok, rerr := a.release(r.Key, lockValue)
			if rerr != nil {
				reply(map[string]interface{}{"id": id, "error": oneLine(rerr)})
			} else {
				reply(map[string]interface{}{"id": id, "ok": ok})
			}
		case "close":
			a.close()
			reply(map[string]interface{}{"id": id, "ok": true})
			return
		default:
			reply(map[string]interface{}{"id": id, "error": "unknown op " + r.Op})
		}
		if err == io.EOF {
			a.close()
			return
		}
	}
}
