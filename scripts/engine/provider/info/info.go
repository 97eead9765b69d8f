// Package info is the ProviderInfo of hdhport's bridged OpenStack provider: the Terraform provider
// terraform-provider-openstack/v3 wrapped by pulumi-terraform-bridge/v3, with resource and function tokens
// taken from the pinned Python SDK pulumi_openstack (Resources/DataSources live in tokens_gen.go, which
// scripts/engine/provider/tokens.py writes at build time and git never sees).
package info

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-provider-openstack/terraform-provider-openstack/v3/openstack"
)

// Provider returns the ProviderInfo for plugin version `version` (e.g. "5.5.3").
func Provider(version string) tfbridge.ProviderInfo {
	return tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(openstack.Provider()),
		Name:        "openstack",
		Version:     version,
		Resources:   Resources(),
		DataSources: DataSources(),
	}
}
