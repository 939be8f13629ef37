package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// DefaultMaxBodySize bounds request bodies when Options.MaxBodySize is 0.
const DefaultMaxBodySize = 10 << 20

// readBody reads the whole body, refusing more than limit bytes with 413.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, errBadRequest("could not read the request body: %v", err)
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge(limit)
	}
	return data, nil
}

func errTooLarge(limit int64) *apiError {
	return &apiError{Status: http.StatusRequestEntityTooLarge,
		Message: "request body too large: the limit is " + humanBytes(limit)}
}

func humanBytes(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// mediaType returns the request's media type in lower case, "" when absent.
func mediaType(r *http.Request) (string, map[string]string) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "", nil
	}
	mt, p, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct)), nil
	}
	return mt, p
}

// decodeBody parses an entity body (JSON, form or multipart) into an
// object shaped like the JSON form. Form values are typed by the record
// recFor returns for the form's "name" value (plugins type their config by
// the named plugin's schema).
func decodeBody(r *http.Request, recFor func(name string) *field, limit int64) (map[string]any, error) {
	data, err := readBody(r, limit)
	if err != nil {
		return nil, err
	}
	mt, mp := mediaType(r)
	switch {
	case mt == "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(data))
		if err != nil {
			return nil, errBadRequest("Cannot parse form body: %v", err)
		}
		return formObject(recFor(vals.Get("name")), vals)
	case mt == "multipart/form-data":
		vals, err := parseMultipart(data, mp["boundary"], limit)
		if err != nil {
			return nil, err
		}
		return formObject(recFor(vals.Get("name")), vals)
	case mt == "" || mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return jsonObject(data)
	}
	return nil, &apiError{Status: http.StatusUnsupportedMediaType,
		Message: "unsupported Content-Type '" + mt + "': send application/json, application/x-www-form-urlencoded or multipart/form-data"}
}

func formObject(rec *field, vals url.Values) (map[string]any, error) {
	m, errs := formToMap(rec, vals)
	if len(errs) > 0 {
		return nil, errSchema(errs)
	}
	return m, nil
}

// jsonObject decodes a JSON object, numbers kept exact; an empty body is
// an empty object, as with Kong.
func jsonObject(data []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Message: "Cannot parse JSON body", Cause: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &apiError{Status: http.StatusBadRequest, Message: "Cannot parse JSON body"}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &apiError{Status: http.StatusBadRequest, Message: "Cannot parse JSON body: expected a JSON object"}
	}
	return m, nil
}

// parseMultipart reads multipart fields; file parts count as values, so
// `-F cert=@cert.pem` works as with Kong.
func parseMultipart(data []byte, boundary string, limit int64) (url.Values, error) {
	if boundary == "" {
		return nil, errBadRequest("Cannot parse multipart body: missing boundary in Content-Type")
	}
	req := &http.Request{Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(data)), Method: http.MethodPost}
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	mr, err := req.MultipartReader()
	if err != nil {
		return nil, errBadRequest("Cannot parse multipart body: %v", err)
	}
	vals := url.Values{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return vals, nil
		}
		if err != nil {
			return nil, errBadRequest("Cannot parse multipart body: %v", err)
		}
		b, err := io.ReadAll(io.LimitReader(part, limit+1))
		if err != nil {
			return nil, errBadRequest("Cannot parse multipart body: %v", err)
		}
		if name := part.FormName(); name != "" {
			vals.Add(name, string(b))
		}
	}
}

// validationError builds a schema violation from a single field failure.
func validationError(fieldName, msg string) error {
	return errSchema(entity.Errors{{Field: fieldName, Message: msg}})
}
