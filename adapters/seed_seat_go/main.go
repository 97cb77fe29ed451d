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
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gopkg.in/redis.v5"

	"taala/protocol"
)

const showID = "show_1" // one show: the runner's keys are its seats

// the talk's release script, verbatim
const luaScript = `
        if redis.call("get", KEYS[1]) == ARGV[1] then
            return redis.call("del", KEYS[1])
        else
            return 0
        end
        `

type adapter struct {
	redisClient *redis.Client
	userID      string
	ttl         time.Duration
}

func (a *adapter) Hello(r protocol.Hello) error {
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

// Acquire is BookSeat up to its critical section: (lockValue, nil) when acquired, ("", nil)
// when the seat is being booked by another user, or an error (unknown outcome).
func (a *adapter) Acquire(seatNumber string) (string, error) {
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

// Release is BookSeat's deferred release, with the lockValue acquire returned (the
// request's token: a JSON string).
func (a *adapter) Release(seatNumber string, token json.RawMessage) (bool, error) {
	var lockValue string
	if err := json.Unmarshal(token, &lockValue); err != nil {
		return false, nil // not a token this adapter minted
	}
	lockKey := lockKeyOf(seatNumber)
	// Always release lock using Lua script for safety
	n, err := a.redisClient.Eval(luaScript, []string{lockKey}, lockValue).Result()
	if err != nil {
		return false, err
	}
	deleted, _ := n.(int64)
	return deleted == 1, nil
}

func (a *adapter) Close() {
	if a.redisClient != nil {
		a.redisClient.Close()
	}
}

func main() {
	protocol.Serve("seed-seat-go", &adapter{})
}
