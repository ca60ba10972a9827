/**
 * Spring Boot auto-configuration for lbkit: {@code lbkit.services.<id>.*} makes lbkit Spring Cloud
 * LoadBalancer's balancer for that service id (Spring Cloud Gateway {@code lb://} routes,
 * {@code @LoadBalanced} clients), with gateway glue for the sticky cookie, passive checks and
 * retries; {@code lbkit.filter.*} registers the servlet filter. See {@code docs/spring.md}.
 */
package io.lbkit.spring;
