package io.lbkit.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;

/** A Spring Cloud Gateway application: routes come from properties; Netty, whatever else is on the classpath. */
@SpringBootConfiguration
@EnableAutoConfiguration
class GatewayApp {
  @Bean
  NettyReactiveWebServerFactory nettyReactiveWebServerFactory() {
    return new NettyReactiveWebServerFactory();
  }
}
