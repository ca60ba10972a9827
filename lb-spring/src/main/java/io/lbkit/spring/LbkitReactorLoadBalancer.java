package io.lbkit.spring;

import io.lbkit.core.Balancer;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Snapshot;
import io.lbkit.core.TriedServers;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import reactor.core.publisher.Mono;

/**
 * Spring Cloud LoadBalancer's choice for an lbkit service: lbkit's balancer selects from the
 * request's cookies ({@link RequestDataContext}), so a sticky cookie pins the same server and a
 * forged or stale one is balanced anew. When the request's attributes hold the servers already
 * tried ({@link #TRIED_ATTRIBUTE}, kept by the gateway glue across retries), it selects another
 * one ({@link Balancer#selectOther}).
 *
 * <p>Balancers precompute their selections per snapshot; the answer for each (the instance, the
 * response, the {@code Mono}) is built the first time it is chosen and reused until the group
 * publishes another snapshot, so a pick allocates no more than the request's view.
 */
final class LbkitReactorLoadBalancer implements ReactorServiceInstanceLoadBalancer {
  /** Request attribute: the {@link TriedServers} that failed this request so far (by endpoint). */
  static final String TRIED_ATTRIBUTE = "io.lbkit.spring.tried";

  private static final Logger log = LoggerFactory.getLogger(LbkitReactorLoadBalancer.class);

  private final String serviceId;
  private final Balancer balancer;
  private volatile Answers answers = new Answers(null);

  LbkitReactorLoadBalancer(String serviceId, Balancer balancer) {
    this.serviceId = serviceId;
    this.balancer = balancer;
  }

  @Override
  @SuppressWarnings("rawtypes")
  public Mono<Response<ServiceInstance>> choose(Request request) {
    RequestView view = RequestView.EMPTY;
    TriedServers tried = null;
    Object context = request == null ? null : request.getContext();
    if (context instanceof RequestDataContext) {
      RequestDataContext data = (RequestDataContext) context;
      view = RequestDataView.of(data.getClientRequest());
      tried = tried(data);
    }
    Selection selection = tried == null || tried.isEmpty() ? balancer.select(view) : balancer.selectOther(view, tried);
    if (selection.isEmpty()) {
      log.warn("lbkit service '{}': no server available", serviceId);
      return Mono.just(new EmptyResponse());
    }
    return answer(selection);
  }

  /** The answer for {@code selection}: reused while the snapshot it came from is the group's. */
  private Mono<Response<ServiceInstance>> answer(Selection selection) {
    Snapshot snapshot = balancer.group().snapshot();
    Answers current = answers;
    if (current.snapshot != snapshot) {
      current = new Answers(snapshot);
      answers = current; // a race only builds an answer twice
    }
    Mono<Response<ServiceInstance>> answer = current.bySelection.get(selection);
    if (answer == null) {
      answer = Mono.just(new DefaultResponse(new LbkitServiceInstance(serviceId, balancer, selection)));
      // bounded: a balancer may make a selection per request (a dated cookie for max-idle/max-life)
      if (current.bySelection.size() < current.limit) {
        current.bySelection.putIfAbsent(selection, answer);
      }
    }
    return answer;
  }

  private static TriedServers tried(RequestDataContext context) {
    Map<String, Object> attributes = context.getClientRequest() == null ? null
        : context.getClientRequest().getAttributes();
    Object tried = attributes == null ? null : attributes.get(TRIED_ATTRIBUTE);
    return tried instanceof TriedServers ? (TriedServers) tried : null;
  }

  /** The answers of one snapshot, by selection (identity: {@link Selection} keeps Object's equals). */
  private static final class Answers {
    final Snapshot snapshot;
    final int limit;
    final Map<Selection, Mono<Response<ServiceInstance>>> bySelection = new ConcurrentHashMap<>();

    Answers(Snapshot snapshot) {
      this.snapshot = snapshot;
      // a selection with and one without Set-Cookie per server, plus slack for a snapshot racing by
      this.limit = snapshot == null ? 0 : 2 * snapshot.servers().size() + 16;
    }
  }

  @Override
  public String toString() {
    return "lbkit " + serviceId + " " + balancer.group();
  }
}
