package org.resumelb.proxy;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.resumelb.agent.classify.ServletRequestView;
import org.resumelb.proxy.route.AdmissionQueue;
import org.resumelb.proxy.route.Lease;

/**
 * A request's admission with {@code maxBacklog} set: its user and priority
 * class are read from what the client sent ({@code userKey}, {@code priority}),
 * then it gets a worker at once, or waits suspended in the
 * {@link AdmissionQueue} as a guest holding no thread. Admitted there, its
 * lease is parked on the request and the request dispatched again (the
 * servlet proxies it then); turned away, it gets the 503 page; refused at the
 * door, 429 or 503; if its client goes away, it leaves the queue. A lease
 * parked for a request that is never dispatched (its client went away
 * meanwhile) is released when the request completes.
 */
final class AdmissionRequest implements AdmissionQueue.Guest, AsyncListener {

    private final AsyncContext async;
    private volatile AdmissionQueue.Ticket ticket;
    private volatile Lease admitted;

    private AdmissionRequest(AsyncContext async) {
        this.async = async;
    }

    /**
     * A lease for the request now, or null when it was suspended in the queue
     * or answered (429 or 503); the servlet then returns.
     */
    static Lease admit(HttpServletRequest request, HttpServletResponse response, LoadBalancer lb) {
        AdmissionQueue queue = lb.router().admission();
        ProxySettings.Admission settings = lb.settings().admission();
        ServletRequestView view = ServletRequestView.afterServlet(request);
        String user = settings.userKey().of(request.getRemoteAddr(), lb.settings().boundaries().trustedProxies(), request::getHeaders);
        AdmissionQueue.Ask ask = lb.router().ask(view, user, settings.priority().of(view));
        Lease lease = queue.now(ask);
        if (lease != null) {
            return lease;
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(0); // the queue times the wait
        AdmissionRequest guest = new AdmissionRequest(async);
        async.addListener(guest);
        AdmissionQueue.Entry entry = queue.enter(ask, guest);
        if (entry.refusal() != null) {
            ErrorPages.send(request, response, entry.refusal().status());
        } else {
            guest.ticket = entry.ticket();
        }
        return null;
    }

    @Override
    public void admit(Lease lease) {
        admitted = lease;
        async.getRequest().setAttribute(ResumeProxyServlet.NEXT_LEASE, lease);
        try {
            async.dispatch();
        } catch (IllegalStateException e) {
            // The request ended meanwhile (its client went away): nobody will proxy it.
            async.getRequest().removeAttribute(ResumeProxyServlet.NEXT_LEASE);
            lease.release();
        }
    }

    @Override
    public void turnAway() {
        ErrorPages.send((HttpServletRequest) async.getRequest(), (HttpServletResponse) async.getResponse(),
                HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    }

    @Override
    public void onError(AsyncEvent event) {
        AdmissionQueue.Ticket t = ticket;
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        Lease lease = admitted;
        // Still parked: the dispatch never reached the proxy (which takes the lease off the request).
        if (lease != null && event.getSuppliedRequest().getAttribute(ResumeProxyServlet.NEXT_LEASE) == lease) {
            event.getSuppliedRequest().removeAttribute(ResumeProxyServlet.NEXT_LEASE);
            lease.release();
        }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
    }
}
