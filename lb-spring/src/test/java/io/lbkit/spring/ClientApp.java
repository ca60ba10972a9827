package io.lbkit.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/** A plain application (no web server) calling services through {@code @LoadBalanced} clients. */
@SpringBootConfiguration
@EnableAutoConfiguration
class ClientApp {
  @Bean
  @LoadBalanced
  WebClient.Builder loadBalancedWebClient() {
    return WebClient.builder();
  }

  @Bean
  @LoadBalanced
  RestClient.Builder loadBalancedRestClient() {
    return RestClient.builder();
  }
}
