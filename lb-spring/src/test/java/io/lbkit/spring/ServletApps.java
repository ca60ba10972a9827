package io.lbkit.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.context.annotation.Bean;

/** Spring Boot servlet applications, one per container (both are on the test classpath). */
final class ServletApps {
  private ServletApps() {
  }

  /** The containers a servlet application can run in here. */
  enum Container {
    TOMCAT(TomcatApp.class), JETTY(JettyApp.class);

    final Class<?> configuration;

    Container(Class<?> configuration) {
      this.configuration = configuration;
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class TomcatApp {
    @Bean
    TomcatServletWebServerFactory tomcatServletWebServerFactory() {
      return new TomcatServletWebServerFactory();
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class JettyApp {
    @Bean
    JettyServletWebServerFactory jettyServletWebServerFactory() {
      return new JettyServletWebServerFactory();
    }
  }
}
