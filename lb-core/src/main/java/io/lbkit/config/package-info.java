/**
 * A whole backend from options, for any adapter: {@link io.lbkit.config.BackendConfig} parses a map
 * of options (init-params, flags, properties) and builds the server group, its DNS discovery or
 * static list, its health checks and its balancer.
 */
package io.lbkit.config;
