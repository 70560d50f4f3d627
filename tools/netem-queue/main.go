// netem-queue delays and corrupts the packets iptables hands it through an NFQUEUE queue.
// It stands in for the tc netem qdisc on kernels built without it: run inside the network
// namespace whose rule feeds the queue, stop it with SIGTERM (the rule's --queue-bypass lets
// packets through untouched once it is gone).
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	nfqueue "github.com/florianl/go-nfqueue"
	"github.com/mdlayher/netlink"
)

type options struct {
	queue          uint
	delay, jitter  time.Duration
	correlation    float64
	corruptPercent float64
	seed           int64
}

func parseOptions() options {
	var o options
	flag.UintVar(&o.queue, "queue", 0, "NFQUEUE queue number (1-65535)")
	flag.DurationVar(&o.delay, "delay", 0, "added latency per packet, e.g. 100ms")
	flag.DurationVar(&o.jitter, "jitter", 0, "uniform jitter around the delay, e.g. 10ms")
	flag.Float64Var(&o.correlation, "correlation", 0, "0-100: weight of the previous jitter in the next one")
	flag.Float64Var(&o.corruptPercent, "corrupt", 0, "0-100: share of packets with one random bit flipped")
	flag.Int64Var(&o.seed, "seed", 1, "random seed")
	flag.Parse()
	if o.queue == 0 || o.queue > 65535 {
		fail("-queue must be 1-65535")
	}
	if o.delay < 0 || o.jitter < 0 || o.correlation < 0 || o.correlation > 100 || o.corruptPercent < 0 || o.corruptPercent > 100 {
		fail("-delay and -jitter must be >= 0; -correlation and -corrupt must be 0-100")
	}
	return o
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "netem-queue:", msg)
	os.Exit(2)
}

// shaper decides each packet's fate; it is called from one goroutine only.
type shaper struct {
	o          options
	rng        *rand.Rand
	lastJitter float64
}

func (s *shaper) nextDelay() time.Duration {
	if s.o.jitter == 0 {
		return s.o.delay
	}
	fresh := (s.rng.Float64()*2 - 1) * float64(s.o.jitter)
	weight := s.o.correlation / 100
	s.lastJitter = weight*s.lastJitter + (1-weight)*fresh
	if d := s.o.delay + time.Duration(s.lastJitter); d > 0 {
		return d
	}
	return 0
}

// corrupt flips one random bit after the IPv4 header, so the transport checksum no longer holds.
func (s *shaper) corrupt(packet []byte) ([]byte, bool) {
	if s.o.corruptPercent == 0 || s.rng.Float64()*100 >= s.o.corruptPercent || len(packet) < 21 {
		return packet, false
	}
	headerLen := int(packet[0]&0x0f) * 4
	if headerLen >= len(packet) {
		return packet, false
	}
	out := append([]byte(nil), packet...)
	i := headerLen + s.rng.Intn(len(out)-headerLen)
	out[i] ^= 1 << uint(s.rng.Intn(8))
	return out, true
}

func main() {
	o := parseOptions()
	nf, err := nfqueue.Open(&nfqueue.Config{
		NfQueue:      uint16(o.queue),
		MaxPacketLen: 0xFFFF,
		MaxQueueLen:  4096,
		Copymode:     nfqueue.NfQnlCopyPacket,
		Flags:        nfqueue.NfQaCfgFlagFailOpen,
		WriteTimeout: time.Second,
	})
	if err != nil {
		fail("cannot open the queue: " + err.Error())
	}
	defer nf.Close()
	if err := nf.SetOption(netlink.NoENOBUFS, true); err != nil {
		fail("cannot set NoENOBUFS: " + err.Error())
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	s := &shaper{o: o, rng: rand.New(rand.NewSource(o.seed))}
	var verdicts sync.Mutex
	release := func(id uint32, packet []byte, modified bool) {
		verdicts.Lock()
		defer verdicts.Unlock()
		if modified {
			_ = nf.SetVerdictModPacket(id, nfqueue.NfAccept, packet)
		} else {
			_ = nf.SetVerdict(id, nfqueue.NfAccept)
		}
	}
	onPacket := func(a nfqueue.Attribute) int {
		if a.PacketID == nil {
			return 0
		}
		id := *a.PacketID
		var packet []byte
		if a.Payload != nil {
			packet = *a.Payload
		}
		packet, modified := s.corrupt(packet)
		d := s.nextDelay()
		if d == 0 {
			release(id, packet, modified)
		} else {
			time.AfterFunc(d, func() { release(id, packet, modified) })
		}
		return 0
	}
	onError := func(e error) int {
		if ctx.Err() != nil {
			return 1
		}
		fmt.Fprintln(os.Stderr, "netem-queue: read error:", e)
		return 0
	}
	if err := nf.RegisterWithErrorFunc(ctx, onPacket, onError); err != nil {
		fail("cannot register: " + err.Error())
	}
	fmt.Fprintf(os.Stderr, "netem-queue: serving queue %d (delay %s, jitter %s, corrupt %.1f%%)\n", o.queue, o.delay, o.jitter, o.corruptPercent)
	<-ctx.Done()
}
