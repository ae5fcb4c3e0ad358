// A minimal auth-callout responder in Go, built from Debian's packages only (nats-io/jwt
// 2.3.0, nkeys 0.3.0, nats.go 1.22.1, GOPATH mode): the reference side of
// scripts/callout-perf.sh.
//
//	responder --server URL --user NAME --password PASSWORD --issuer-seed @FILE \
//	          --users FILE [--account ACCOUNT] [--config-account APP] [--workers N]
//	responder keys DIR
//
// The first form connects as the callout account's auth user, subscribes to
// $SYS.REQ.USER.AUTH and answers every plain (unsealed) authorization request: jwt 2.3.0
// has no callout types, so requests are read with jwt.DecodeGeneric and answers are
// jwt.GenericClaims with nats.type = "authorization_response". nkeys 0.3.0 has no curve
// keys, so sealed requests (auth_callout with an xkey) are dropped with a message.
//
// The request checks follow synadia-io/callout.go: the payload is a JWT (starts with
// "eyJ0"), its signature holds, its issuer is a server (N) key equal to
// nats.server_id.id, and its audience is "nats-authorization-request".
//
// The user table is JSON: {"alice": {"password": "...", "publish": ["alice.>"],
// "subscribe": ["alice.>"]}}. A known user with the right password gets a user JWT for
// the server's ephemeral nats.user_nkey, named after the user, with the table's
// permissions, its audience set to --config-account (where config-mode nats-server places
// the user), signed with the issuer seed; otherwise the answer carries an error. The
// answer's sub is the user key, its aud the server id, and it is signed with the issuer
// seed too.
//
// It prints "ready" once subscribed (after a flush), then one line per decision
// ("allowed alice", "refused alice: bad password"), like the crate's example
// suite/examples/auth_callout.rs.
//
// "keys DIR" creates an account key pair, writes its seed to DIR/issuer.nk (mode 0600,
// never printed) and prints the public key.
package main

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

const (
	authSubject     = "$SYS.REQ.USER.AUTH"
	requestAudience = "nats-authorization-request"
	serverXKeyHdr   = "Nats-Server-Xkey"
)

type userEntry struct {
	Password  string   `json:"password"`
	Publish   []string `json:"publish"`
	Subscribe []string `json:"subscribe"`
}

type service struct {
	issuer        nkeys.KeyPair
	issuerAccount string // set when the issuer is a signing key of another account
	configAccount string
	users         map[string]userEntry
	out           sync.Mutex
}

func fail(code int, format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "responder: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "keys" {
		if len(os.Args) != 3 {
			fail(64, "usage: responder keys DIR")
		}
		makeKeys(os.Args[2])
		return
	}
	flags := flag.NewFlagSet("responder", flag.ExitOnError)
	server := flags.String("server", "", "server URL")
	user := flags.String("user", "", "the auth user (listed in auth_callout.auth_users)")
	password := flags.String("password", "", "its password")
	issuerSeed := flags.String("issuer-seed", "", "@FILE holding the issuer account seed")
	account := flags.String("account", "", "the callout account, when the issuer is one of its signing keys")
	usersPath := flags.String("users", "", "JSON user table")
	configAccount := flags.String("config-account", "", "account the users land in (config mode: the user JWT's aud)")
	workers := flags.Int("workers", runtime.GOMAXPROCS(0), "goroutines answering requests")
	flags.Parse(os.Args[1:])
	if *server == "" || *issuerSeed == "" || *usersPath == "" || flags.NArg() != 0 || *workers < 1 {
		fail(64, "usage: responder --server URL --user NAME --password PASSWORD --issuer-seed @FILE --users FILE [--account ACCOUNT] [--config-account APP] [--workers N]")
	}

	svc := &service{configAccount: *configAccount}
	svc.issuer = loadIssuer(*issuerSeed)
	issuerPub, _ := svc.issuer.PublicKey()
	if *account != "" && *account != issuerPub {
		if !nkeys.IsValidPublicAccountKey(*account) {
			fail(65, "--account is not an account key")
		}
		svc.issuerAccount = *account
	}
	table, err := os.ReadFile(*usersPath)
	if err != nil {
		fail(66, "cannot read %s: %v", *usersPath, err)
	}
	if err := json.Unmarshal(table, &svc.users); err != nil {
		fail(65, "%s is not a user table: %v", *usersPath, err)
	}

	closed := make(chan struct{})
	nc, err := nats.Connect(*server,
		nats.UserInfo(*user, *password),
		nats.Name("callout-go responder"),
		nats.NoReconnect(),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			fmt.Fprintf(os.Stderr, "responder: %v\n", err)
		}),
	)
	if err != nil {
		fail(1, "cannot connect to %s: %v", *server, err)
	}
	requests := make(chan *nats.Msg, 4096)
	sub, err := nc.ChanSubscribe(authSubject, requests)
	if err != nil {
		fail(1, "cannot subscribe to %s: %v", authSubject, err)
	}
	sub.SetPendingLimits(-1, -1)
	if err := nc.Flush(); err != nil {
		fail(1, "cannot flush: %v", err)
	}
	fmt.Println("ready")

	for i := 0; i < *workers; i++ {
		go func() {
			for msg := range requests {
				svc.handle(msg)
			}
		}()
	}
	<-closed
}

func loadIssuer(argument string) nkeys.KeyPair {
	if !strings.HasPrefix(argument, "@") {
		fail(64, "--issuer-seed takes @FILE (a seed is not taken on the command line)")
	}
	path := argument[1:]
	contents, err := os.ReadFile(path)
	if err != nil {
		fail(66, "cannot read %s: %v", path, err)
	}
	kp, err := nkeys.FromSeed(bytes.TrimSpace(contents))
	if err != nil {
		fail(65, "%s holds no valid seed", path)
	}
	pub, _ := kp.PublicKey()
	if !nkeys.IsValidPublicAccountKey(pub) {
		fail(65, "%s is not an account seed", path)
	}
	return kp
}

func makeKeys(dir string) {
	kp, err := nkeys.CreateAccount()
	if err != nil {
		fail(1, "cannot create a key: %v", err)
	}
	seed, _ := kp.Seed()
	path := filepath.Join(dir, "issuer.nk")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		fail(1, "cannot create %s: %v", path, err)
	}
	if _, err := f.Write(append(seed, '\n')); err != nil {
		fail(1, "cannot write %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		fail(1, "cannot write %s: %v", path, err)
	}
	pub, _ := kp.PublicKey()
	fmt.Println(pub)
}

func (s *service) say(line string) {
	s.out.Lock()
	fmt.Println(line)
	s.out.Unlock()
}

// handle answers one request, or drops it (with a line on stderr) when it cannot be
// addressed; the server then refuses the client when its wait runs out.
func (s *service) handle(msg *nats.Msg) {
	if msg.Reply == "" {
		fmt.Fprintln(os.Stderr, "responder: a request without a reply subject; dropped")
		return
	}
	response, line, err := s.answer(msg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "responder: %v; dropped\n", err)
		return
	}
	if err := msg.Respond([]byte(response)); err != nil {
		fmt.Fprintf(os.Stderr, "responder: cannot answer: %v\n", err)
		return
	}
	s.say(line)
}

func (s *service) answer(msg *nats.Msg) (string, string, error) {
	if msg.Header.Get(serverXKeyHdr) != "" {
		return "", "", errors.New("sealed request (nkeys 0.3.0 has no curve keys)")
	}
	if !bytes.HasPrefix(msg.Data, []byte("eyJ0")) {
		return "", "", errors.New("the request is not a JWT")
	}
	req, err := jwt.DecodeGeneric(string(msg.Data))
	if err != nil {
		return "", "", fmt.Errorf("invalid authorization request: %v", err)
	}
	if !nkeys.IsValidPublicServerKey(req.Issuer) {
		return "", "", fmt.Errorf("request issuer %q is not a server key", req.Issuer)
	}
	if req.Audience != requestAudience {
		return "", "", fmt.Errorf("request audience is %q", req.Audience)
	}
	if t, _ := req.Data["type"].(string); t != "authorization_request" {
		return "", "", fmt.Errorf("claim type is %q", t)
	}
	serverInfo, _ := req.Data["server_id"].(map[string]interface{})
	serverID, _ := serverInfo["id"].(string)
	if serverID != req.Issuer {
		return "", "", fmt.Errorf("request signed by %s on behalf of server %q", req.Issuer, serverID)
	}
	userKey, _ := req.Data["user_nkey"].(string)
	if !nkeys.IsValidPublicUserKey(userKey) {
		return "", "", fmt.Errorf("user_nkey %q is not a user key", userKey)
	}
	opts, _ := req.Data["connect_opts"].(map[string]interface{})
	username, _ := opts["user"].(string)
	password, _ := opts["pass"].(string)

	res := jwt.NewGenericClaims(userKey)
	res.Audience = serverID
	res.Data["type"] = "authorization_response"
	var line string
	entry, known := s.users[username]
	switch {
	case !known:
		res.Data["error"] = "unknown user"
		line = fmt.Sprintf("refused %q: unknown user", username)
	case subtle.ConstantTimeCompare([]byte(entry.Password), []byte(password)) != 1:
		res.Data["error"] = "bad password"
		line = fmt.Sprintf("refused %s: bad password", username)
	default:
		uc := jwt.NewUserClaims(userKey)
		uc.Name = username
		uc.Audience = s.configAccount
		uc.Pub.Allow = entry.Publish
		uc.Sub.Allow = entry.Subscribe
		uc.IssuerAccount = s.issuerAccount
		userJWT, err := uc.Encode(s.issuer)
		if err != nil {
			return "", "", fmt.Errorf("cannot sign the user JWT: %v", err)
		}
		res.Data["jwt"] = userJWT
		line = "allowed " + username
	}
	if s.issuerAccount != "" {
		res.Data["issuer_account"] = s.issuerAccount
	}
	token, err := res.Encode(s.issuer)
	if err != nil {
		return "", "", fmt.Errorf("cannot sign the response: %v", err)
	}
	return token, line, nil
}
