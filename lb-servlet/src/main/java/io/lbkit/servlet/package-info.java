/**
 * The servlet filter (Jakarta Servlet 6, Jetty 12 and Tomcat 11): proxy and route-only modes, and
 * the stats page.
 *
 * <p>Start with {@link io.lbkit.servlet.LoadBalancingFilter}: it builds the backend from its
 * init-params ({@code LoadBalancerConfig}, options in {@code FilterOptions}), selects a server per
 * request, then either forwards the request itself ({@code Proxy}, one {@code ProxyExchange} per
 * request over Jetty's HTTP client) or marks it for the application (route mode). The stats page is
 * lb-core's {@code io.lbkit.stats.StatsPage}, served through {@link io.lbkit.servlet.LocalHandlerFilter}. The header, error and retry policy come from {@code io.lbkit.proxy}
 * in lb-core; {@code docs/architecture.md} ("Adapter seam") describes the split.
 */
package io.lbkit.servlet;
