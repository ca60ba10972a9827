package io.lbkit.proxy;

import static io.lbkit.proxy.AttemptFailure.BAD_RESPONSE;
import static io.lbkit.proxy.AttemptFailure.CLOSED_BEFORE_RESPONSE;
import static io.lbkit.proxy.AttemptFailure.NOT_CONNECTED;
import static io.lbkit.proxy.AttemptFailure.TIMED_OUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** HAProxy's retry rules, decided without a connection. */
class RetryPolicyTest {
  private final ServerGroup group = ProxyHeadersTest.group();
  private final RoundRobinBalancer rr = RoundRobinBalancer.create(group);

  @Test
  void failuresAreClassifiedByWhatTheEngineSaw() {
    assertThat(AttemptFailure.classify(false, true, false)).isEqualTo(NOT_CONNECTED);
    assertThat(AttemptFailure.classify(true, true, true)).isEqualTo(TIMED_OUT);
    assertThat(AttemptFailure.classify(true, false, true)).isEqualTo(BAD_RESPONSE);
    assertThat(AttemptFailure.classify(true, false, false)).isEqualTo(CLOSED_BEFORE_RESPONSE);
  }

  @Test
  void onlyWhatTheServerCannotHaveActedOnIsRetried() {
    RetryPolicy p = new RetryPolicy(rr, 3, true, Duration.ofSeconds(10));
    assertThat(p.retryable(NOT_CONNECTED, false, true)).isTrue();
    assertThat(p.retryable(CLOSED_BEFORE_RESPONSE, true, false)).isTrue();
    assertThat(p.retryable(CLOSED_BEFORE_RESPONSE, false, false)).as("POST").isFalse();
    assertThat(p.retryable(CLOSED_BEFORE_RESPONSE, true, true)).as("body partly sent").isFalse();
    assertThat(p.retryable(TIMED_OUT, true, false)).isFalse();
    assertThat(p.retryable(BAD_RESPONSE, true, false)).isFalse();
    assertThat(p.shouldRetry(NOT_CONNECTED, true, false, 3)).isTrue();
    assertThat(p.shouldRetry(NOT_CONNECTED, true, false, 4)).as("retries=3: four attempts in all").isFalse();
    assertThat(RetryPolicy.isIdempotent("PUT")).isTrue();
    assertThat(RetryPolicy.isIdempotent("POST")).isFalse();
  }

  @Test
  void theAnswerWhenNotRetried() {
    RetryPolicy p = new RetryPolicy(rr, 0, true, Duration.ofSeconds(10));
    assertThat(p.answer(NOT_CONNECTED, false, false)).isSameAs(ErrorResponse.NO_SERVER);
    assertThat(p.answer(CLOSED_BEFORE_RESPONSE, true, false).status()).isEqualTo(503);
    assertThat(p.answer(CLOSED_BEFORE_RESPONSE, false, false).status()).isEqualTo(502);
    assertThat(p.answer(TIMED_OUT, true, false).status()).isEqualTo(504);
    assertThat(p.answer(BAD_RESPONSE, true, false).status()).isEqualTo(502);
  }

  @Test
  void redispatchMovesToAServerNotTriedYetAndOffStaysWhileTheServerIsUsable() {
    Selection first = rr.select(RequestView.EMPTY);
    Set<Server> tried = new HashSet<>(Set.of(first.server()));
    Selection other = new RetryPolicy(rr, 3, true, Duration.ofSeconds(10)).next(first, tried);
    assertThat(other.server()).isNotSameAs(first.server());
    RetryPolicy pinned = new RetryPolicy(rr, 3, false, Duration.ofMillis(300));
    assertThat(pinned.next(first, tried)).isSameAs(first);
    assertThat(pinned.sameServerDelayMillis()).isEqualTo(300);
    assertThat(new RetryPolicy(rr, 3, false, Duration.ofSeconds(10)).sameServerDelayMillis()).isEqualTo(1000);
  }

  @Test
  void anEmptyGroupLeavesNoServerToRetryOn() {
    Selection first = rr.select(RequestView.EMPTY);
    group.setEndpoints(Set.of());
    assertThat(new RetryPolicy(rr, 3, false, Duration.ofSeconds(1)).next(first, new HashSet<>()).isEmpty()).isTrue();
  }

  @Test
  void errorAnswersAndTheEmptySelection() {
    assertThat(ErrorResponse.unlessSelected(Selection.NONE)).isSameAs(ErrorResponse.NO_SERVER);
    assertThat(ErrorResponse.unlessSelected(rr.select(RequestView.EMPTY))).isNull();
    assertThat(new String(ErrorResponse.of(504).body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("504 Gateway Timeout: the server didn't respond in time.\n");
    assertThat(ErrorResponse.of(502).bodyLength()).isEqualTo(ErrorResponse.BAD_GATEWAY.body().length);
    assertThatThrownBy(() -> ErrorResponse.of(500)).hasMessage("status: 500 (expected: 502, 503 or 504)");
    assertThatThrownBy(() -> new RetryPolicy(rr, -1, true, Duration.ZERO)).hasMessageStartingWith("retries: -1");
  }
}
