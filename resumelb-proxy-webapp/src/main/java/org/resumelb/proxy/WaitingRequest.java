package org.resumelb.proxy;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.resumelb.proxy.route.WaitingRoom;

/**
 * A suspended servlet request as a {@link WaitingRoom.Guest}: admitted, it is
 * dispatched again (the servlet routes it then); turned away, it gets the 503
 * page; if its client goes away, it leaves the room. Holds no thread while it
 * waits.
 */
final class WaitingRequest implements WaitingRoom.Guest, AsyncListener {

    private final AsyncContext async;
    private final LoadBalancer lb;
    private volatile WaitingRoom.Ticket ticket;

    private WaitingRequest(AsyncContext async, LoadBalancer lb) {
        this.async = async;
        this.lb = lb;
    }

    /** Suspends the request in the load balancer's waiting room; false when it is refused at the door. */
    static boolean enter(HttpServletRequest request, LoadBalancer lb) {
        AsyncContext async = request.startAsync();
        async.setTimeout(0); // the waiting room times the wait
        WaitingRequest guest = new WaitingRequest(async, lb);
        guest.ticket = lb.waitingRoom().enter(guest);
        if (guest.ticket == null) {
            return false;
        }
        async.addListener(guest);
        return true;
    }

    @Override
    public void admit() {
        async.dispatch();
    }

    @Override
    public void turnAway() {
        lb.metrics().noWorker();
        ErrorPages.send((HttpServletRequest) async.getRequest(), (HttpServletResponse) async.getResponse(),
                HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    }

    @Override
    public void onError(AsyncEvent event) {
        WaitingRoom.Ticket t = ticket;
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
    }

    @Override
    public void onComplete(AsyncEvent event) {
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
    }
}
