// pulumi-resource-openstack is the bridged OpenStack resource provider plugin. schema.json is not in git:
// build.sh generates it with pulumi-tfgen-openstack (version field set to the plugin version) before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"hdhport.local/engine/provider/info"
)

//go:embed schema.json
var pulumiSchema []byte

// version is set by build.sh: -ldflags "-X main.version=$OPENSTACK_PLUGIN_VERSION".
var version = "0.0.0-dev"

func main() { tfbridge.Main("openstack", version, info.Provider(version), pulumiSchema) }
