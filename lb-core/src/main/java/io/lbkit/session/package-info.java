/**
 * Persistence on the application's own session id, for applications that already set one:
 * {@link io.lbkit.session.StickTableBalancer} learns session id → server in a bounded table (HAProxy's
 * {@code stick on}), {@link io.lbkit.session.RouteSuffixBalancer} routes on the {@code .route} suffix
 * that Tomcat's {@code jvmRoute} and Jetty's {@code workerName} append (mod_jk's way).
 * {@link io.lbkit.session.SessionOptions} defines their options. {@code docs/sessions.md} compares
 * them with the sticky cookies of {@code io.lbkit.cookie}.
 */
package io.lbkit.session;
