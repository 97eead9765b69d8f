// pulumi-tfgen-openstack writes the Pulumi schema of the bridged OpenStack provider
// (build.sh runs `pulumi-tfgen-openstack schema --out DIR --skip-docs --skip-examples`).
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"hdhport.local/engine/provider/info"
)

// version is set by build.sh: -ldflags "-X main.version=$OPENSTACK_PLUGIN_VERSION".
var version = "0.0.0-dev"

func main() { tfgen.Main("openstack", version, info.Provider(version)) }
