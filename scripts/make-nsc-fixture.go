// make-nsc-fixture writes suite/tests/data/nsc/: an nsc setup (operator "demo" with a
// signing key; accounts SYS and acme, acme with a signing key and a scoped signing key;
// users) laid out and written exactly as nsc 2 writes it, with Go's nats-io/jwt v2.3.0
// and nkeys, for suite/tests/integration/store.rs.
//
// Run from the repository root (Go and the GOPATH sources: scripts/install-go-peer.sh):
//
//	rm -rf suite/tests/data/nsc && GO111MODULE=off GOPATH=/usr/share/gocode go run scripts/make-nsc-fixture.go suite/tests/data/nsc
//
// Then `git add -f suite/tests/data/nsc`: the keys directory's .gitignore (nsc's own)
// ignores *.nk and *.creds.
//
// The seeds are TEST-ONLY: each is the SHA-256 of a fixed label, so a run makes the same
// keys (the JWTs differ: jwt 2.3.0 stamps iat with the clock).
//
// What nsc does, and this copies (nsc cmd/store/store.go, cmd/store/keys.go):
//   - directories os.MkdirAll(dir, 0700); every file os.WriteFile(fp, data, 0600);
//   - <stores>/<operator>/.nsc: json.Marshal(store.Info{Managed, Name, Kind, Version});
//   - JWTs as encoded, no newline: <operator>.jwt, accounts/<name>/<name>.jwt,
//     accounts/<account>/users/<name>.jwt (files named after the claims' name);
//   - seeds, no newline: <keys>/keys/<kind letter>/<pub[1:3]>/<pub>.nk;
//   - creds (jwt.FormatUserConfig): <keys>/creds/<operator>/<account>/<user>.creds;
//   - <keys>/.gitignore (AddGitIgnore).
package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

const gitignore = `# ignore all nk files 
**/*.nk

# ignore all creds files
**/*.creds
`

// nsc's store.Info.
type info struct {
	Managed bool   `json:"managed"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Version string `json:"version"`
}

var keysDir, storesDir string

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "make-nsc-fixture:", err)
		os.Exit(1)
	}
}

func write(path string, data []byte) {
	check(os.MkdirAll(filepath.Dir(path), 0700))
	check(os.WriteFile(path, data, 0600))
}

// key makes the test-only key of kind for label and stores its seed as nsc's StoreKey does.
func key(prefix nkeys.PrefixByte, label string) nkeys.KeyPair {
	raw := sha256.Sum256([]byte("natsjwt nsc fixture, test only: " + label))
	kp, err := nkeys.FromRawSeed(prefix, raw[:])
	check(err)
	pub, err := kp.PublicKey()
	check(err)
	seed, err := kp.Seed()
	check(err)
	write(filepath.Join(keysDir, "keys", pub[0:1], pub[1:3], pub+".nk"), seed)
	return kp
}

func pub(kp nkeys.KeyPair) string {
	p, err := kp.PublicKey()
	check(err)
	return p
}

func user(operator, account, name string, signer nkeys.KeyPair, issuerAccount string, edit func(*jwt.UserClaims)) {
	kp := key(nkeys.PrefixByteUser, account+"/"+name)
	uc := jwt.NewUserClaims(pub(kp))
	uc.Name = name
	uc.IssuerAccount = issuerAccount
	if edit != nil {
		edit(uc)
	}
	token, err := uc.Encode(signer)
	check(err)
	write(filepath.Join(storesDir, operator, "accounts", account, "users", name+".jwt"), []byte(token))
	seed, err := kp.Seed()
	check(err)
	creds, err := jwt.FormatUserConfig(token, seed)
	check(err)
	write(filepath.Join(keysDir, "creds", operator, account, name+".creds"), creds)
}

func account(operator, name string, signer nkeys.KeyPair, edit func(*jwt.AccountClaims)) {
	kp := key(nkeys.PrefixByteAccount, name)
	ac := jwt.NewAccountClaims(pub(kp))
	ac.Name = name
	if edit != nil {
		edit(ac)
	}
	token, err := ac.Encode(signer)
	check(err)
	write(filepath.Join(storesDir, operator, "accounts", name, name+".jwt"), []byte(token))
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: make-nsc-fixture <output dir>")
		os.Exit(64)
	}
	out := os.Args[1]
	if _, err := os.Stat(out); err == nil {
		check(fmt.Errorf("%s exists; remove it first", out))
	}
	keysDir = filepath.Join(out, "keys")
	storesDir = filepath.Join(out, "stores")
	check(os.MkdirAll(filepath.Join(keysDir, "keys"), 0700))
	check(os.MkdirAll(filepath.Join(keysDir, "creds"), 0700))
	write(filepath.Join(keysDir, ".gitignore"), []byte(gitignore))

	const op = "demo"
	operator := key(nkeys.PrefixByteOperator, op)
	operatorSK := key(nkeys.PrefixByteOperator, op+"/signing-key")
	sys := key(nkeys.PrefixByteAccount, "SYS")
	acme := key(nkeys.PrefixByteAccount, "acme")
	acmeSK := key(nkeys.PrefixByteAccount, "acme/signing-key")
	acmeScoped := key(nkeys.PrefixByteAccount, "acme/scoped-signing-key")

	oc := jwt.NewOperatorClaims(pub(operator))
	oc.Name = op
	oc.SigningKeys.Add(pub(operatorSK))
	oc.SystemAccount = pub(sys)
	token, err := oc.Encode(operator)
	check(err)
	write(filepath.Join(storesDir, op, op+".jwt"), []byte(token))
	d, err := json.Marshal(info{Name: op, Kind: string(jwt.OperatorClaim), Version: "1"})
	check(err)
	write(filepath.Join(storesDir, op, ".nsc"), d)
	check(os.MkdirAll(filepath.Join(storesDir, op, "accounts"), 0700))

	// SYS signed by the operator's identity key, acme by its signing key.
	account(op, "SYS", operator, nil)
	user(op, "SYS", "sys", sys, "", nil)

	account(op, "acme", operatorSK, func(ac *jwt.AccountClaims) {
		ac.SigningKeys.Add(pub(acmeSK))
		scope := jwt.NewUserScope()
		scope.Key = pub(acmeScoped)
		scope.Role = "reader"
		scope.Template.Sub.Allow.Add("acme.>")
		ac.SigningKeys.AddScopedSigner(scope)
	})
	user(op, "acme", "alice", acme, "", func(uc *jwt.UserClaims) {
		uc.Pub.Allow.Add("acme.>")
	})
	user(op, "acme", "bob", acmeSK, pub(acme), nil)
	// nsc's add user: SetScoped(true) for a scoped signer's user (no permissions of its own).
	user(op, "acme", "carol", acmeScoped, pub(acme), func(uc *jwt.UserClaims) {
		uc.SetScoped(true)
	})
}
