package org.fcgate.gateway.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/** The structured formats of the status page: JSON (Jackson), XML ({@link XMLStreamWriter}), HTML ({@link HtmlWriter}). */
final class StatusDocuments {

    private static final JsonFactory JSON = new JsonFactory();
    private static final XMLOutputFactory XML = XMLOutputFactory.newFactory();

    private StatusDocuments() {
    }

    static String render(StatusFormat format, PoolStatus s, boolean full) {
        return switch (format) {
            case TEXT -> StatusText.text(s, full);
            case OPENMETRICS -> StatusText.openMetrics(s);
            case JSON -> json(s, full);
            case XML -> xml(s, full);
            case HTML -> html(s, full);
        };
    }

    /** Times are epoch seconds, like php-fpm's JSON. */
    static String json(PoolStatus s, boolean full) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            jsonFields(g, StatusText.poolFields(s));
            if (full) {
                g.writeArrayFieldStart("processes");
                for (PoolStatus.Process p : s.processes()) {
                    g.writeStartObject();
                    jsonFields(g, StatusText.processFields(p));
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void jsonFields(JsonGenerator g, Map<String, Object> fields) throws IOException {
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            g.writeFieldName(e.getKey());
            Object v = e.getValue();
            if (v instanceof Long n) {
                g.writeNumber(n);
            } else if (v instanceof Instant i) {
                g.writeNumber(i.getEpochSecond());
            } else if (v instanceof StatusText.Decimal d) {
                g.writeNumber(d.text());
            } else {
                g.writeString((String) v);
            }
        }
    }

    /** Element names are php-fpm's: the field name with spaces as hyphens. */
    static String xml(PoolStatus s, boolean full) {
        StringWriter w = new StringWriter();
        try {
            XMLStreamWriter x = XML.createXMLStreamWriter(w);
            x.writeStartDocument("1.0");
            x.writeCharacters("\n");
            x.writeStartElement("status");
            x.writeCharacters("\n");
            for (Map.Entry<String, Object> e : StatusText.poolFields(s).entrySet()) {
                xmlField(x, e.getKey(), e.getValue());
                x.writeCharacters("\n");
            }
            if (full) {
                x.writeStartElement("processes");
                x.writeCharacters("\n");
                for (PoolStatus.Process p : s.processes()) {
                    x.writeStartElement("process");
                    for (Map.Entry<String, Object> e : StatusText.processFields(p).entrySet()) {
                        xmlField(x, e.getKey(), e.getValue());
                    }
                    x.writeEndElement();
                    x.writeCharacters("\n");
                }
                x.writeEndElement();
                x.writeCharacters("\n");
            }
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("XML status page", e);
        }
        return w.toString();
    }

    private static void xmlField(XMLStreamWriter x, String name, Object v) throws XMLStreamException {
        x.writeStartElement(name.replace(' ', '-'));
        x.writeCharacters(v instanceof Instant i ? Long.toString(i.getEpochSecond()) : v.toString());
        x.writeEndElement();
    }

    static String html(PoolStatus s, boolean full) {
        HtmlWriter h = new HtmlWriter();
        h.raw("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
                + "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n")
                .raw("<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n")
                .raw("<head><title>PHP-FPM Status Page</title></head>\n<body>\n<table>\n");
        for (Map.Entry<String, Object> e : StatusText.poolFields(s).entrySet()) {
            h.raw("<tr>").element("th", e.getKey()).element("td", htmlValue(e.getValue())).raw("</tr>\n");
        }
        h.raw("</table>\n");
        if (!full) {
            return h.raw("</body></html>").toString();
        }
        h.raw("<table border=\"1\">\n<tr>");
        StatusText.processFields(emptyProcess()).keySet().forEach(k -> h.element("th", k));
        h.raw("</tr>\n");
        for (PoolStatus.Process p : s.processes()) {
            h.raw("<tr>");
            StatusText.processFields(p).values().forEach(v -> h.element("td", htmlValue(v)));
            h.raw("</tr>\n");
        }
        return h.raw("</table></body></html>").toString();
    }

    private static String htmlValue(Object v) {
        return v instanceof Instant i ? StatusText.TIME.format(i) : v.toString();
    }

    private static PoolStatus.Process emptyProcess() {
        return new PoolStatus.Process(0, "", Instant.EPOCH, 0, 0, 0, "", "", 0, "", "", "0.00", 0);
    }
}
