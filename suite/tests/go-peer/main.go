// go-peer: the Go side of tests/go_interop.rs.
//
// It speaks JSON lines: one request object per stdin line, one response object per
// stdout line, in order, until stdin closes. Built in GOPATH mode against Debian's
// golang-github-nats-io-jwt-dev (nats-io/jwt v2.3.0, plus the v1 library at
// github.com/nats-io/jwt) and nkeys 0.3.0; see tests/go_interop.rs for how it is built
// and cached.
//
// Requests ("op"):
//
//	hello     -> {go, jwt}: the Go and jwt library versions.
//	mint      {type, claims, seed, iat} -> {token, jti_input} or {encode_error}.
//	          The claims JSON is read into the library's typed claims and encoded by the
//	          library's own Encode (so its checks, sorting and defaults apply); Encode
//	          stamps iat with time.Now(), so the last steps of 2.3.0's doEncode are then
//	          replayed with the requested iat: set iat, jti = base32(SHA-512/256(
//	          json.Marshal(ClaimsData))) without padding, json.Marshal(claims), sign
//	          b64(header) "." b64(payload). The replay is checked against the library's
//	          own token first (same claims, the library's iat) whenever the library's
//	          output is deterministic (map-ordered signing keys are not).
//	mint_v1   {type, claims, seed} -> {token} or {encode_error}: a v1 token from the
//	          v1 library (iat is time.Now(); nothing compares v1 bytes).
//	decode    {token} -> {decode: {...}, generic: {...}}: jwt.Decode and jwt.DecodeGeneric,
//	          each with the claims as json.Marshal writes them and Validate's issues.
//	validate  {type, claims} -> {issues}: Validate of claims read from JSON.
//	subjects  {subjects, pairs} -> {wildcards, to_subject, contained}: jwt's own subject
//	          helpers, for the tests' model of 2.3.0's rules: Subject(s).HasWildCards()
//	          and RenamingSubject(s).ToSubject() per subject, Subject(a).IsContainedIn(b)
//	          per pair [a, b].
//
// Validate uses time.Now(); the tests keep exp/nbf far from now.
package main

import (
	"bufio"
	"crypto/sha512"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"

	jwtv1 "github.com/nats-io/jwt"
	jwt "github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

type request struct {
	ID     int64           `json:"id"`
	Op     string          `json:"op"`
	Type   string          `json:"type"`
	Claims json.RawMessage `json:"claims"`
	Seed   string          `json:"seed"`
	IAT    int64           `json:"iat"`
	Token  string          `json:"token"`
	// subjects
	Subjects []string    `json:"subjects"`
	Pairs    [][2]string `json:"pairs"`
}

type issue struct {
	Description string `json:"description"`
	Blocking    bool   `json:"blocking"`
	TimeCheck   bool   `json:"time_check"`
}

type decoded struct {
	Error      string  `json:"error,omitempty"`
	ClaimType  string  `json:"claim_type,omitempty"`
	Version    int     `json:"version"`
	ClaimsJSON string  `json:"claims_json,omitempty"`
	Issues     []issue `json:"issues"`
}

type response struct {
	ID          int64    `json:"id"`
	Error       string   `json:"error,omitempty"`
	Go          string   `json:"go,omitempty"`
	Jwt         string   `json:"jwt,omitempty"`
	Token       string   `json:"token,omitempty"`
	JtiInput    string   `json:"jti_input,omitempty"`
	EncodeError string   `json:"encode_error,omitempty"`
	Decode      *decoded `json:"decode,omitempty"`
	Generic     *decoded `json:"generic,omitempty"`
	Issues      []issue  `json:"issues,omitempty"`
	// subjects
	Wildcards []bool   `json:"wildcards,omitempty"`
	ToSubject []string `json:"to_subject,omitempty"`
	Contained []bool   `json:"contained,omitempty"`
}

func issuesOf(vr *jwt.ValidationResults) []issue {
	out := []issue{}
	for _, i := range vr.Issues {
		out = append(out, issue{i.Description, i.Blocking, i.TimeCheck})
	}
	return out
}

// newClaims returns empty typed claims of the given type, ready for json.Unmarshal.
func newClaims(kind string) (jwt.Claims, error) {
	switch kind {
	case "operator":
		return &jwt.OperatorClaims{}, nil
	case "account":
		return &jwt.AccountClaims{}, nil
	case "user":
		return &jwt.UserClaims{}, nil
	case "activation":
		return &jwt.ActivationClaims{}, nil
	case "generic":
		return &jwt.GenericClaims{Data: map[string]interface{}{}}, nil
	}
	return nil, fmt.Errorf("unknown claims type %q", kind)
}

func version(c jwt.Claims) int {
	switch v := c.(type) {
	case *jwt.OperatorClaims:
		return v.Version
	case *jwt.AccountClaims:
		return v.Version
	case *jwt.UserClaims:
		return v.Version
	case *jwt.ActivationClaims:
		return v.Version
	case *jwt.GenericClaims:
		if n, ok := v.Data["version"].(float64); ok {
			return int(n)
		}
	}
	return 0
}

// deterministic reports whether json.Marshal of c is a function of its content: jwt
// 2.3.0 writes signing keys in map order, which Go randomises when there are several.
func deterministic(c jwt.Claims) bool {
	if a, ok := c.(*jwt.AccountClaims); ok {
		return len(a.SigningKeys) <= 1
	}
	return true
}

// encodeAt replays the iat-dependent tail of jwt 2.3.0's ClaimsData.doEncode.
func encodeAt(c jwt.Claims, kp nkeys.KeyPair, iat int64) (token string, jtiInput string, err error) {
	cd := c.Claims()
	cd.IssuedAt = iat
	cd.ID = ""
	hashed, err := json.Marshal(cd)
	if err != nil {
		return "", "", err
	}
	sum := sha512.Sum512_256(hashed)
	cd.ID = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])
	header, err := json.Marshal(&jwt.Header{Type: jwt.TokenTypeJwt, Algorithm: jwt.AlgorithmNkey})
	if err != nil {
		return "", "", err
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", "", err
	}
	toSign := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := kp.Sign([]byte(toSign))
	if err != nil {
		return "", "", err
	}
	return toSign + "." + base64.RawURLEncoding.EncodeToString(sig), string(hashed), nil
}

func mint(req *request) response {
	resp := response{ID: req.ID}
	c, err := newClaims(req.Type)
	if err != nil {
		resp.Error = err.Error()
		return resp
	}
	if err := json.Unmarshal(req.Claims, c); err != nil {
		resp.Error = "claims JSON: " + err.Error()
		return resp
	}
	kp, err := nkeys.FromSeed([]byte(req.Seed))
	if err != nil {
		resp.Error = "seed: " + err.Error()
		return resp
	}
	// The library's own Encode: its checks, sorting, type and version.
	libraryToken, err := c.Encode(kp)
	if err != nil {
		resp.EncodeError = err.Error()
		return resp
	}
	if deterministic(c) {
		replayed, _, err := encodeAt(c, kp, c.Claims().IssuedAt)
		if err != nil {
			resp.Error = "replay: " + err.Error()
			return resp
		}
		if replayed != libraryToken {
			resp.Error = fmt.Sprintf("replayed encode differs from the library's Encode:\n%s\n%s", replayed, libraryToken)
			return resp
		}
	}
	resp.Token, resp.JtiInput, err = encodeAt(c, kp, req.IAT)
	if err != nil {
		resp.Error = "encode: " + err.Error()
	}
	return resp
}

func mintV1(req *request) response {
	resp := response{ID: req.ID}
	var c jwtv1.Claims
	switch req.Type {
	case "operator":
		c = &jwtv1.OperatorClaims{}
	case "account":
		c = &jwtv1.AccountClaims{}
	case "user":
		c = &jwtv1.UserClaims{}
	case "activation":
		c = &jwtv1.ActivationClaims{}
	default:
		resp.Error = fmt.Sprintf("unknown v1 claims type %q", req.Type)
		return resp
	}
	if err := json.Unmarshal(req.Claims, c); err != nil {
		resp.Error = "claims JSON: " + err.Error()
		return resp
	}
	kp, err := nkeys.FromSeed([]byte(req.Seed))
	if err != nil {
		resp.Error = "seed: " + err.Error()
		return resp
	}
	token, err := c.Encode(kp)
	if err != nil {
		resp.EncodeError = err.Error()
		return resp
	}
	resp.Token = token
	return resp
}

func describe(c jwt.Claims, err error) *decoded {
	if err != nil {
		return &decoded{Error: err.Error(), Issues: []issue{}}
	}
	out := &decoded{ClaimType: string(c.ClaimType()), Version: version(c)}
	// Marshal before Validate, in case a rule changes the claims.
	j, err := json.Marshal(c)
	if err != nil {
		out.Error = "re-marshal: " + err.Error()
		return out
	}
	out.ClaimsJSON = string(j)
	vr := jwt.CreateValidationResults()
	c.Validate(vr)
	out.Issues = issuesOf(vr)
	return out
}

func decode(req *request) response {
	resp := response{ID: req.ID}
	resp.Decode = describe(jwt.Decode(req.Token))
	g, err := jwt.DecodeGeneric(req.Token)
	if err != nil {
		resp.Generic = describe(nil, err)
	} else {
		resp.Generic = describe(g, nil)
	}
	return resp
}

func validate(req *request) response {
	resp := response{ID: req.ID}
	c, err := newClaims(req.Type)
	if err != nil {
		resp.Error = err.Error()
		return resp
	}
	if err := json.Unmarshal(req.Claims, c); err != nil {
		resp.Error = "claims JSON: " + err.Error()
		return resp
	}
	vr := jwt.CreateValidationResults()
	c.Validate(vr)
	resp.Issues = issuesOf(vr)
	return resp
}

func subjects(req *request) response {
	resp := response{ID: req.ID}
	for _, s := range req.Subjects {
		resp.Wildcards = append(resp.Wildcards, jwt.Subject(s).HasWildCards())
		resp.ToSubject = append(resp.ToSubject, string(jwt.RenamingSubject(s).ToSubject()))
	}
	for _, p := range req.Pairs {
		resp.Contained = append(resp.Contained, jwt.Subject(p[0]).IsContainedIn(jwt.Subject(p[1])))
	}
	return resp
}

func handle(line []byte) (resp response) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return response{Error: "request JSON: " + err.Error()}
	}
	defer func() {
		if r := recover(); r != nil {
			resp = response{ID: req.ID, Error: fmt.Sprintf("panic: %v", r)}
		}
	}()
	switch req.Op {
	case "hello":
		return response{ID: req.ID, Go: runtime.Version(), Jwt: jwt.Version}
	case "mint":
		return mint(&req)
	case "mint_v1":
		return mintV1(&req)
	case "decode":
		return decode(&req)
	case "validate":
		return validate(&req)
	case "subjects":
		return subjects(&req)
	}
	return response{ID: req.ID, Error: fmt.Sprintf("unknown op %q", req.Op)}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		if err := enc.Encode(handle(in.Bytes())); err != nil {
			fmt.Fprintln(os.Stderr, "go-peer: write:", err)
			os.Exit(1)
		}
		if err := out.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, "go-peer: flush:", err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil && !errors.Is(err, os.ErrClosed) {
		fmt.Fprintln(os.Stderr, "go-peer: read:", err)
		os.Exit(1)
	}
}
