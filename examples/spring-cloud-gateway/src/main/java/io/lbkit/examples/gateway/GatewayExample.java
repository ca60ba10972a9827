package io.lbkit.examples.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Spring Cloud Gateway in front of the demo's whoami replicas, with lbkit as the load balancer of
 * {@code lb://whoami}: everything is in {@code application.yml}; no code is needed.
 */
@SpringBootApplication
public class GatewayExample {
  public static void main(String[] args) {
    SpringApplication.run(GatewayExample.class, args);
  }
}
