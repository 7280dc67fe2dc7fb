// Command oracle prints how Go's standard library reads hostile inputs: encoding/json into the structs Docker,
// containerd, skopeo and umoci decode image documents into (image-spec specs-go v1 and moby's tarexport shapes,
// declared here with the same JSON names so the program needs nothing but the standard library), archive/tar
// headers, and path/filepath as moby's layer extractor uses it. layerwright's tests compare their reading to it.
//
//	go run test/oracle/main.go json   < cases.json   # [{"kind":"manifest","b64":"..."}] -> [{"ok","error","value"}]
//	go run test/oracle/main.go tar    FILE           # {"headers":[{"name","linkname","typeflag"}],"error"}
//	go run test/oracle/main.go paths  < names.json   # ["a/../b", ".wh..", ...] -> [{"clean","rel","breakout","whiteout"}]
package main

import (
	"archive/tar"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

type Platform struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	OSVersion    string   `json:"os.version,omitempty"`
	OSFeatures   []string `json:"os.features,omitempty"`
	Variant      string   `json:"variant,omitempty"`
}

type Descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	URLs         []string          `json:"urls,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Data         []byte            `json:"data,omitempty"`
	Platform     *Platform         `json:"platform,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
}

type Manifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Config        Descriptor        `json:"config"`
	Layers        []Descriptor      `json:"layers"`
	Subject       *Descriptor       `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

type Index struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Manifests     []Descriptor      `json:"manifests"`
	Subject       *Descriptor       `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

type ContainerConfig struct {
	User         string              `json:"User,omitempty"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Env          []string            `json:"Env,omitempty"`
	Entrypoint   StrSlice            `json:"Entrypoint,omitempty"`
	Cmd          StrSlice            `json:"Cmd,omitempty"`
	Volumes      map[string]struct{} `json:"Volumes,omitempty"`
	WorkingDir   string              `json:"WorkingDir,omitempty"`
	Labels       map[string]string   `json:"Labels,omitempty"`
	StopSignal   string              `json:"StopSignal,omitempty"`
	ArgsEscaped  bool                `json:"ArgsEscaped,omitempty"`
}

// StrSlice is moby's strslice.StrSlice (Docker's Entrypoint and Cmd): a JSON list of strings or one string.
type StrSlice []string

func (e *StrSlice) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	p := make([]string, 0, 1)
	if err := json.Unmarshal(b, &p); err != nil {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		p = append(p, s)
	}
	*e = p
	return nil
}

type RootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

type History struct {
	Created    string `json:"created,omitempty"`
	CreatedBy  string `json:"created_by,omitempty"`
	Author     string `json:"author,omitempty"`
	Comment    string `json:"comment,omitempty"`
	EmptyLayer bool   `json:"empty_layer,omitempty"`
}

type Config struct {
	Created      string           `json:"created,omitempty"`
	Author       string           `json:"author,omitempty"`
	Architecture string           `json:"architecture"`
	OS           string           `json:"os"`
	OSVersion    string           `json:"os.version,omitempty"`
	OSFeatures   []string         `json:"os.features,omitempty"`
	Variant      string           `json:"variant,omitempty"`
	Config       *ContainerConfig `json:"config,omitempty"`
	RootFS       RootFS           `json:"rootfs"`
	History      []History        `json:"history,omitempty"`
}

// DockerEntry is moby's image/tarexport manifestItem.
type DockerEntry struct {
	Config       string
	RepoTags     []string
	Layers       []string
	Parent       string                `json:",omitempty"`
	LayerSources map[string]Descriptor `json:",omitempty"`
}

type jsonCase struct {
	Kind string `json:"kind"`
	B64  string `json:"b64"`
}

type jsonResult struct {
	OK    bool        `json:"ok"`
	Error string      `json:"error,omitempty"`
	Value interface{} `json:"value,omitempty"`
}

func decode(kind string, b []byte) jsonResult {
	var v interface{}
	switch kind {
	case "manifest":
		v = &Manifest{}
	case "index":
		v = &Index{}
	case "config":
		v = &Config{}
	case "docker-manifest":
		v = &[]DockerEntry{}
	default:
		return jsonResult{Error: "unknown kind " + kind}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return jsonResult{Error: err.Error()}
	}
	return jsonResult{OK: true, Value: v}
}

type header struct {
	Name     string `json:"name"`
	Linkname string `json:"linkname"`
	Typeflag string `json:"typeflag"`
	Size     int64  `json:"size"`
}

func readTar(path string) (out struct {
	Headers []header `json:"headers"`
	Error   string   `json:"error,omitempty"`
}) {
	out.Headers = []header{}
	f, err := os.Open(path)
	if err != nil {
		out.Error = err.Error()
		return
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			out.Error = err.Error()
			return
		}
		out.Headers = append(out.Headers, header{h.Name, h.Linkname, string([]byte{h.Typeflag}), h.Size})
		if _, err := io.Copy(io.Discard, tr); err != nil {
			out.Error = err.Error()
			return
		}
	}
}

type pathResult struct {
	Clean    string `json:"clean"`
	Rel      string `json:"rel"`
	Breakout bool   `json:"breakout"`
	// Whiteout is what moby's UnpackLayer removes for a ".wh." name, relative to the layer root ("." = the root).
	Whiteout *string `json:"whiteout,omitempty"`
}

// judge follows moby pkg/archive UnpackLayer: Clean the stored name, join it to the destination, refuse a
// breakout, and for ".wh.<x>" remove filepath.Join(dir, x).
func judge(name string) pathResult {
	const dest = "/dest"
	clean := filepath.Clean(name)
	p := filepath.Join(dest, clean)
	rel, _ := filepath.Rel(dest, p)
	r := pathResult{Clean: clean, Rel: rel, Breakout: strings.HasPrefix(rel, "../") || rel == ".."}
	base := filepath.Base(p)
	if strings.HasPrefix(base, ".wh.") && base != ".wh..wh..opq" {
		target := filepath.Join(filepath.Dir(p), base[len(".wh."):])
		t, _ := filepath.Rel(dest, target)
		r.Whiteout = &t
	}
	return r
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: oracle json|tar FILE|paths")
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	switch os.Args[1] {
	case "json":
		var cases []jsonCase
		if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		out := make([]jsonResult, len(cases))
		for i, c := range cases {
			b, err := base64.StdEncoding.DecodeString(c.B64)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			out[i] = decode(c.Kind, b)
		}
		enc.Encode(out)
	case "tar":
		enc.Encode(readTar(os.Args[2]))
	case "paths":
		var names []string
		if err := json.NewDecoder(os.Stdin).Decode(&names); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		out := make([]pathResult, len(names))
		for i, n := range names {
			out[i] = judge(n)
		}
		enc.Encode(out)
	default:
		os.Exit(2)
	}
}
