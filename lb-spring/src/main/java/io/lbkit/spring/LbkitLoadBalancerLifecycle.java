package io.lbkit.spring;

import io.lbkit.core.Server;
import java.util.Map;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;

/**
 * Counts the requests of {@code @LoadBalanced} clients ({@code WebClient}, {@code RestClient}) on
 * lbkit's servers and feeds the passive check: in flight from the start of the request to its
 * completion, a connection-level failure as {@code recordRequestFailure}, any answer as
 * {@code recordRequestSuccess}. Gateway exchanges are left to the gateway glue, which also sees
 * retries and the end of the response body.
 */
@SuppressWarnings("rawtypes")
final class LbkitLoadBalancerLifecycle implements LoadBalancerLifecycle<Object, Object, ServiceInstance> {
  /** Request attribute set by the gateway glue: it does the counting for that exchange. */
  static final String GATEWAY_EXCHANGE_ATTRIBUTE = "io.lbkit.spring.gateway";

  /** Reactive clients pass a {@link RequestDataContext}, {@code RestClient} a plain context: both are counted. */
  @Override
  public boolean supports(Class requestContextClass, Class responseClass, Class serverTypeClass) {
    return ServiceInstance.class.isAssignableFrom(serverTypeClass);
  }

  @Override
  public void onStart(Request<Object> request) {
  }

  @Override
  public void onStartRequest(Request<Object> request, Response<ServiceInstance> response) {
    Server server = counted(request, response);
    if (server != null) {
      server.stats().requestStarted();
    }
  }

  @Override
  public void onComplete(CompletionContext<Object, ServiceInstance, Object> completion) {
    if (completion.status() == CompletionContext.Status.DISCARD) {
      return; // no server was chosen, nothing was started
    }
    Server server = counted(completion.getLoadBalancerRequest(), completion.getLoadBalancerResponse());
    if (server == null) {
      return;
    }
    server.stats().requestEnded();
    LbkitServiceInstance instance = (LbkitServiceInstance) completion.getLoadBalancerResponse().getServer();
    Throwable failure = completion.getThrowable();
    if (completion.status() == CompletionContext.Status.FAILED && Failures.isServerFailure(failure)) {
      instance.balancer().group().recordRequestFailure(server, Failures.describe(failure));
    } else if (completion.status() == CompletionContext.Status.SUCCESS) {
      instance.balancer().group().recordRequestSuccess(server);
    }
  }

  /** The lbkit server of a request this lifecycle counts, or null. */
  private static Server counted(Request<Object> request, Response<ServiceInstance> response) {
    if (response == null || !(response.getServer() instanceof LbkitServiceInstance)) {
      return null;
    }
    Object context = request == null ? null : request.getContext();
    RequestData data = context instanceof RequestDataContext ? ((RequestDataContext) context).getClientRequest() : null;
    Map<String, Object> attributes = data == null ? null : data.getAttributes();
    if (attributes != null && attributes.containsKey(GATEWAY_EXCHANGE_ATTRIBUTE)) {
      return null;
    }
    return ((LbkitServiceInstance) response.getServer()).server();
  }
}
