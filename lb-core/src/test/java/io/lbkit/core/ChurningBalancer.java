package io.lbkit.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A balancer that makes membership news before every choice: it publishes a new snapshot of its
 * group (as a DNS answer or a health flap does) and then asks the balancer it wraps. Every attempt
 * of a request, retries included, thus sees a different snapshot with new {@code Server} objects,
 * deterministically, with no timing involved.
 *
 * <p>Each publish gives the endpoints {@code all} a new weight (1 or 2, alternating), and drops
 * one endpoint in turn from the list (a replica that was just removed, back in the next
 * publish), except {@code keep}; with {@code keep} null nothing is dropped (only weights change).
 * Shared by the engines' retry tests (lb-core's test-jar).
 */
public final class ChurningBalancer implements Balancer {
  private final Balancer delegate;
  private final ServerGroup group;
  private final List<Endpoint> all;
  private final Endpoint keep;
  private final AtomicInteger publishes = new AtomicInteger();

  public ChurningBalancer(Balancer delegate, List<Endpoint> all, Endpoint keep) {
    this.delegate = delegate;
    this.group = delegate.group();
    this.all = List.copyOf(all);
    this.keep = keep;
  }

  /** How many snapshots this balancer published. */
  public int publishes() {
    return publishes.get();
  }

  private void churn() {
    int n = publishes.incrementAndGet();
    List<Endpoint> list = new ArrayList<>();
    int drop = n % all.size();
    for (int i = 0; i < all.size(); i++) {
      Endpoint e = all.get(i);
      if (keep == null || i != drop || e.equals(keep)) {
        list.add(e.withWeight(1 + n % 2));
      }
    }
    group.setEndpoints(list);
  }

  @Override
  public Selection select(RequestView request) {
    churn();
    return delegate.select(request);
  }

  @Override
  public Selection selectOther(RequestView request, TriedServers tried) {
    churn();
    return delegate.selectOther(request, tried);
  }

  @Override
  public ServerGroup group() {
    return group;
  }

  @Override
  public String forwardedCookieHeader(String cookieHeader) {
    return delegate.forwardedCookieHeader(cookieHeader);
  }

  @Override
  public String backendSetCookie(Selection selection, String setCookie) {
    return delegate.backendSetCookie(selection, setCookie);
  }

  @Override
  public boolean cookieNocache() {
    return delegate.cookieNocache();
  }

  @Override
  public String cookieValue(Server server) {
    return delegate.cookieValue(server);
  }
}
