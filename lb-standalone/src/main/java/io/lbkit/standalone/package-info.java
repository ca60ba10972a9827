/**
 * The runnable load balancer and the demo: lb-netty's engine (default) or the servlet filter of
 * lb-servlet in an embedded Jetty, configured by command-line flags.
 *
 * <p>Start with {@link io.lbkit.standalone.Main}: it parses the flags ({@code Cli}, generated from
 * the option table), starts the engine ({@code NettyProxy}, or {@code StandaloneServer} for Jetty) and, with {@code --demo}, the
 * demo's whoami replicas and DNS server ({@code Demo}) with {@code /demo/scale} to scale them
 * ({@code DemoControls}). {@code docs/standalone.md} and {@code docs/demo.md} are the user's view.
 */
package io.lbkit.standalone;
