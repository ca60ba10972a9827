package io.lbkit.servlet;

import io.lbkit.core.Balancer;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Ticker;
import io.lbkit.proxy.ProxyHeaders;
import io.lbkit.proxy.RetryPolicy;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.HttpClient;
import org.slf4j.Logger;

/**
 * What every {@link ProxyExchange} of one filter reads: created once by {@link Proxy}, never
 * changed, except the one-way {@link #stopping()} flag. Exchanges see nothing else of the proxy.
 */
final class ProxyContext {
  final Balancer balancer;
  final ServerGroup group;
  final FilterOptions options;
  final HttpClient client;
  final Ticker ticker;
  final ProxyHeaders headers;
  final RetryPolicy retries;
  final Logger log;
  private final AtomicBoolean stopping = new AtomicBoolean();

  ProxyContext(Balancer balancer, FilterOptions options, HttpClient client, Ticker ticker, ProxyHeaders headers,
      Logger log) {
    this.balancer = balancer;
    this.group = balancer.group();
    this.options = options;
    this.client = client;
    this.ticker = ticker;
    this.headers = headers;
    this.retries = new RetryPolicy(balancer, options.retries(), options.redispatch(), options.timeoutConnect());
    this.log = log;
  }

  /** Whether the filter is stopping: failures then answer 503 instead of retrying. */
  boolean stopping() {
    return stopping.get();
  }

  /** Set before the client stops, so exchanges that fail because of it answer 503. */
  void markStopping() {
    stopping.set(true);
  }
}
