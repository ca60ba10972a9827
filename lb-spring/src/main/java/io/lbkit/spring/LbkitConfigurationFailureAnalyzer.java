package io.lbkit.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a bad {@code lbkit.*} property into Spring Boot's short start-up report instead of a stack trace. */
final class LbkitConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<LbkitConfigurationException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, LbkitConfigurationException cause) {
    return new FailureAnalysis("Invalid lbkit configuration: " + cause.getMessage(),
        "Correct the property named above (the options and their forms are in docs/spring.md).", cause);
  }
}
