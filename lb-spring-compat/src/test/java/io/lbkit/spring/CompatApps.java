package io.lbkit.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * Boot 3.5's gateway application for lb-spring's tests, replacing lb-spring's {@code GatewayApp}
 * (which names Boot 4's {@code NettyReactiveWebServerFactory}): here Netty is the only server on the
 * class path, so Boot picks it by itself.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class GatewayApp {
}
