package dev.adjoint.report;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** An SVG read back as XML, as a browser's strict parser reads an .svg file, for the chart tests. */
public final class SvgDocument {
    private SvgDocument() {}

    /** {@code svg} parsed; a document that is not well-formed XML throws. No DTD is read. */
    public static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    /** The text of every {@code <text>} element of class {@code cls} (every one when null), in document order. */
    public static List<String> texts(Document d, String cls) {
        List<String> out = new ArrayList<>();
        for (Element e : elements(d, "text", cls)) {
            out.add(e.getTextContent());
        }
        return out;
    }

    /** The {@code tag} elements of class {@code cls} (all when null), in document order. */
    public static List<Element> elements(Document d, String tag, String cls) {
        List<Element> out = new ArrayList<>();
        NodeList all = d.getElementsByTagName(tag);
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (cls == null || cls.equals(e.getAttribute("class"))) {
                out.add(e);
            }
        }
        return out;
    }
}
