package plugin

// The call* helpers run one handler with the plugin's logger in ctx and
// turn a panic into an error, so a faulty plugin fails its request, not
// the process. One small function per phase keeps the defer cheap.

func callRewrite(ctx *Context, in *Instance) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(v)
		}
	}()
	ctx.logger = in.logger
	return in.rewrite.Rewrite(ctx)
}

func callAccess(ctx *Context, in *Instance) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(v)
		}
	}()
	ctx.logger = in.logger
	return in.access.Access(ctx)
}

func callHeader(ctx *Context, in *Instance) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(v)
		}
	}()
	ctx.logger = in.logger
	return in.header.HeaderFilter(ctx)
}

func callBody(ctx *Context, in *Instance, body []byte) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(v)
		}
	}()
	ctx.logger = in.logger
	return in.body.BodyFilter(ctx, body)
}

func callLog(ctx *Context, in *Instance) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(v)
		}
	}()
	ctx.logger = in.logger
	in.log.Log(ctx)
	return nil
}

// RunCertificate runs the certificate phase of global instances during a
// TLS handshake; the first error stops the handshake.
func (cs *Chains) RunCertificate(cc *CertContext) (err error) {
	for _, in := range cs.certs {
		func() {
			defer func() {
				if v := recover(); v != nil {
					err = panicError(v)
				}
			}()
			err = in.cert.Certificate(cc)
		}()
		if err != nil {
			in.logger.Error("plugin failed", "phase", "certificate", "error", err)
			return err
		}
	}
	return nil
}
