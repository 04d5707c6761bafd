package sim

import (
	"net/http"
	"strings"
)

// refFields are the fields whose string values name other Compute Engine objects. On insert and update they are
// resolved (a partial URL such as global/networks/default becomes the full selfLink) and must exist.
var refFields = map[string]bool{"network": true, "subnetwork": true, "machineType": true, "sourceImage": true, "diskType": true,
	"healthChecks": true, "instances": true, "instance": true, "group": true, "defaultService": true, "service": true,
	"urlMap": true, "target": true, "backupPool": true}

// resolveRefs resolves the references in v (a decoded body, below field key) against the objects of sc's
// project, in place.
func (s *Server) resolveRefs(sc scope, v any, key string) *apiError {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if str, isStr := e.(string); isStr && refFields[k] {
				link, err := s.resolve(sc, k, str)
				if err != nil {
					return err
				}
				x[k] = link
				continue
			}
			if err := s.resolveRefs(sc, e, k); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if str, isStr := e.(string); isStr && refFields[key] {
				link, err := s.resolve(sc, key, str)
				if err != nil {
					return err
				}
				x[i] = link
				continue
			}
			if err := s.resolveRefs(sc, e, key); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolve turns a reference into a full selfLink and checks that it names something that exists.
func (s *Server) resolve(sc scope, field, ref string) (string, *apiError) {
	p, ok := objectPath(sc, ref)
	if !ok {
		return "", invalid("Invalid value for field 'resource.%s': '%s'. The URL is malformed.", field, ref)
	}
	parts := strings.Split(p, "/")
	if len(parts) < 5 {
		return "", invalid("Invalid value for field 'resource.%s': '%s'. The URL is malformed.", field, ref)
	}
	// Catalogue entries that are not objects of the world.
	if len(parts) == 6 && parts[2] == "zones" && s.st.hasZone(parts[3]) {
		switch parts[4] {
		case "machineTypes":
			if _, ok := machineTypes[parts[5]]; ok {
				return linkBase + p, nil
			}
			return "", errf(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.machineType': '%s'. Machine type with name '%s' does not exist in zone '%s'.", ref, parts[5], parts[3])
		case "diskTypes":
			if diskTypes[parts[5]] {
				return linkBase + p, nil
			}
			return "", invalid("Invalid value for field 'resource.%s': '%s'. The disk type does not exist.", field, ref)
		}
	}
	if len(parts) == 6 && parts[2] == "global" && parts[3] == "images" && parts[4] == "family" {
		if o := s.familyImage(parts[1], parts[5]); o != nil {
			return linkBase + o.path, nil
		}
		return "", errf(http.StatusNotFound, "notFound", "The resource '%s' was not found", p)
	}
	if _, ok := s.st.objects[p]; !ok {
		if field == "instance" || field == "instances" {
			return "", errf(http.StatusBadRequest, "invalid", "The resource '%s' was not found", p)
		}
		return "", errf(http.StatusNotFound, "notFound", "The resource '%s' was not found", p)
	}
	return linkBase + p, nil
}

// objectPath turns a full or partial URL into an object's path ("projects/p/zones/z/instances/n"), without
// checking that the object exists.
func objectPath(sc scope, ref string) (string, bool) {
	p := ref
	for _, prefix := range []string{linkBase, "https://compute.googleapis.com/compute/v1/", "https://www.googleapis.com/compute/beta/"} {
		p = strings.TrimPrefix(p, prefix)
	}
	switch {
	case strings.HasPrefix(p, "projects/"):
	case strings.HasPrefix(p, "global/"), strings.HasPrefix(p, "regions/"), strings.HasPrefix(p, "zones/"):
		p = "projects/" + sc.project + "/" + p
	default:
		return "", false
	}
	return p, true
}
