package settings

// validate checks rules that involve more than one setting. Each failure
// names the setting to change, its value and source.
func (c *Settings) validate() Errors {
	var errs Errors
	bad := func(key, problem string) {
		v, _ := c.Value(key)
		errs = append(errs, &SettingError{Key: key, Value: v, Source: c.SourceOf(key), Problem: problem})
	}
	switch c.Role {
	case RoleControlPlane:
		if c.Database == DatabaseOff {
			bad("database", "a control plane (role = control_plane) stores configuration: use sqlite or postgres")
		}
	case RoleDataPlane:
		if c.Database != DatabaseOff {
			bad("database", "a data plane (role = data_plane) receives its configuration from the control plane: set database = off")
		}
	}
	hybrid := c.Role != RoleTraditional
	if hybrid && c.Cluster.Cert == "" {
		bad("cluster_cert", "required when role = "+string(c.Role)+": a path or inline PEM (make one with `gantry hybrid gen_cert`)")
	}
	if hybrid && c.Cluster.CertKey == "" {
		bad("cluster_cert_key", "required when role = "+string(c.Role)+": a path or inline PEM (make one with `gantry hybrid gen_cert`)")
	}
	if hybrid && c.Cluster.MTLS == "pki" && c.Cluster.CACert == "" {
		bad("cluster_ca_cert", "required when cluster_mtls = pki: the CA that issued the cluster certificates")
	}
	if c.Cluster.OCSP != "off" && (c.Cluster.MTLS != "pki" || c.Role != RoleControlPlane) {
		bad("cluster_ocsp", "only a control plane with cluster_mtls = pki checks OCSP: set cluster_ocsp = off")
	}
	if c.Cluster.DPLabels != nil && c.Role != RoleDataPlane {
		bad("cluster_dp_labels", "only a data plane (role = data_plane) has labels: remove the setting")
	}
	if c.Cluster.Peers != nil && c.Role != RoleDataPlane {
		bad("cluster_peers", "only a data plane (role = data_plane) asks peers for their config cache: remove the setting")
	}
	if v, _ := c.Value("cluster_peer_listen"); v != "off" && c.Role != RoleDataPlane {
		bad("cluster_peer_listen", "only a data plane (role = data_plane) serves its config cache to peers: set it to off")
	}
	pairs := [][2]string{{"ssl_cert", "ssl_cert_key"}, {"admin_ssl_cert", "admin_ssl_cert_key"}, {"status_ssl_cert", "status_ssl_cert_key"}}
	for _, p := range pairs {
		cert, _ := c.Value(p[0])
		key, _ := c.Value(p[1])
		if (cert == "") != (key == "") {
			missing := p[1]
			if cert == "" {
				missing = p[0]
			}
			bad(missing, "set "+p[0]+" and "+p[1]+" together")
		}
	}
	return errs
}
