package io.lbkit.spring;

import io.lbkit.core.Server;
import java.util.Map;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.ResponseData;

/**
 * Counts the requests of {@code @LoadBalanced} clients ({@code WebClient}, {@code RestClient}) on
 * lbkit's servers and feeds the passive check: in flight from the start of the request to its
 * completion, a connection-level failure as {@code recordRequestFailure}, any answer as
 * {@code recordRequestSuccess}. Gateway exchanges are left to the gateway glue, which also sees
 * retries and the end of the response body.
 */
final class LbkitLoadBalancerLifecycle
    implements LoadBalancerLifecycle<RequestDataContext, ResponseData, ServiceInstance> {
  /** Request attribute set by the gateway glue: it does the counting for that exchange. */
  static final String GATEWAY_EXCHANGE_ATTRIBUTE = "io.lbkit.spring.gateway";

  @Override
  @SuppressWarnings("rawtypes")
  public boolean supports(Class requestContextClass, Class responseClass, Class serverTypeClass) {
    return RequestDataContext.class.isAssignableFrom(requestContextClass)
        && ServiceInstance.class.isAssignableFrom(serverTypeClass);
  }

  @Override
  public void onStart(Request<RequestDataContext> request) {
  }

  @Override
  public void onStartRequest(Request<RequestDataContext> request, Response<ServiceInstance> response) {
    Server server = counted(request, response);
    if (server != null) {
      server.stats().requestStarted();
    }
  }

  @Override
  public void onComplete(CompletionContext<ResponseData, ServiceInstance, RequestDataContext> completion) {
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
  private static Server counted(Request<RequestDataContext> request, Response<ServiceInstance> response) {
    if (response == null || !(response.getServer() instanceof LbkitServiceInstance)) {
      return null;
    }
    RequestDataContext context = request == null ? null : request.getContext();
    Map<String, Object> attributes = context == null || context.getClientRequest() == null ? null
        : context.getClientRequest().getAttributes();
    if (attributes != null && attributes.containsKey(GATEWAY_EXCHANGE_ATTRIBUTE)) {
      return null;
    }
    return ((LbkitServiceInstance) response.getServer()).server();
  }
}
