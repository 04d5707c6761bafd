package integration

import (
	"archive/zip"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	dosim "github.com/infrago/infra/providers/digitalocean/sim"
)

const componentModule = "github.com/infrago/infra/components/webcluster"

// componentMain is the program of a team's project: the shared component, imported from its own module.
const componentMain = `package main

import (
	"github.com/infrago/infra/components/webcluster"
	"github.com/infrago/infra/sdk/infra"
)

func main() {
	infra.Run(func(ctx *infra.Context) error {
		web, err := webcluster.New(ctx, "shop", &webcluster.Args{
			Cloud:  webcluster.DigitalOcean,
			Count:  2,
			Domain: "shop.example.com",
		})
		if err != nil {
			return err
		}
		ctx.Export("url", web.URL)
		return nil
	})
}
`

// TestComponentFromItsOwnModule is how a team consumes a shared component: a project made with `infra new` in a
// directory outside this repository, a second module, gets the webcluster component, a third module, at a
// released version from a module proxy (a file proxy standing in for the team's), and previews.
func TestComponentFromItsOwnModule(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	proxy := filepath.Join(root, "proxy")
	publishModule(t, filepath.Join(repoRoot, "components", "webcluster"), componentModule, "v1.0.0", proxy)

	_, url := doSim(t, dosim.Options{Timing: doTiming})
	p, err := makeProject(root, "shop", repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	p.t = t
	// The project is infra new's, not makeProject's: start again in an empty directory.
	p.dir = filepath.Join(root, "shop")
	goEnv := []string{"GOPROXY=file://" + filepath.ToSlash(proxy), "GONOSUMDB=github.com/infrago", "GOFLAGS=-mod=mod", "INFRA_SDK_DIR=" + repoRoot}
	p.env = append(p.env, goEnv...)
	p.env = append(p.env, doEnv()...)
	newP := *p
	newP.dir = root
	newP.mustRun("new", "shop", "--no-stack")
	if strings.HasPrefix(p.dir, repoRoot+string(filepath.Separator)) {
		t.Fatalf("the project %s is inside the repository", p.dir)
	}
	if err := p.writeFile("main.go", componentMain); err != nil {
		t.Fatal(err)
	}
	p.copyRepoSums()
	get := exec.Command("go", "get", componentModule+"@v1.0.0")
	get.Dir, get.Env = p.dir, p.env
	if out, err := get.CombinedOutput(); err != nil {
		t.Fatalf("go get %s@v1.0.0: %v\n%s", componentModule, err, out)
	}
	mod, err := os.ReadFile(filepath.Join(p.dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), componentModule+" v1.0.0") || strings.Contains(string(mod), "components/webcluster =>") {
		t.Fatalf("go.mod does not require the component at its version from the proxy:\n%s", mod)
	}

	p.mustRun("stack", "init", "dev")
	configureDO(p, url)
	r := p.mustRun("preview")
	wantOutput(t, r, "webcluster:index:WebCluster", "digitalocean:index:Droplet", "shop-web-1", `url: "http://www.shop.example.com/"`)
}

// publishModule lays out the module in dir at version in a file module proxy (GOPROXY=file://proxy), as
// `go mod download` would find it on a real proxy: list, .info, .mod and the zip of its files.
func publishModule(t *testing.T, dir, module, version, proxy string) {
	t.Helper()
	at := filepath.Join(proxy, filepath.FromSlash(module), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"list":            version + "\n",
		version + ".info": `{"Version":"` + version + `","Time":"2026-12-01T00:00:00Z"}`,
		version + ".mod":  string(mod),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(at, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(filepath.Join(at, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z := zip.NewWriter(f)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		w, err := z.Create(module + "@" + version + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err == nil {
		err = z.Close()
	}
	if err != nil {
		t.Fatalf("zip %s: %v", module, err)
	}
}

// copyRepoSums gives the project the repository's go.sum: the checksums of the SDK's own dependencies, which a
// machine with access to sum.golang.org would look up, so that its go commands need no network.
func (p *project) copyRepoSums() {
	p.t.Helper()
	sums, err := os.ReadFile(filepath.Join(repoRoot, "go.sum"))
	if err != nil {
		p.t.Fatal(err)
	}
	if err := p.writeFile("go.sum", string(sums)); err != nil {
		p.t.Fatal(err)
	}
}
