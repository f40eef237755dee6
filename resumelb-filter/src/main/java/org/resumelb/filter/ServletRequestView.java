package org.resumelb.filter;

import jakarta.servlet.http.HttpServletRequest;

import org.resumelb.agent.classify.RequestView;

/** A servlet request seen by a classifier; the path is taken after the context path. */
final class ServletRequestView implements RequestView {

    private final HttpServletRequest request;

    ServletRequestView(HttpServletRequest request) {
        this.request = request;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String host() {
        return request.getHeader("Host");
    }

    @Override
    public String path() {
        return ResumeFilter.pathInContext(request);
    }

    @Override
    public String query() {
        return request.getQueryString();
    }

    @Override
    public String header(String name) {
        return request.getHeader(name);
    }
}
