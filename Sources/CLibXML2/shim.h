// libxml2's streaming reader (xmlTextReader), used by the AWS module to parse query-protocol XML responses.
// Only the reader API is used; the AWS module never keeps a libxml2 pointer beyond one parse.
#ifndef NTH_CLIBXML2_SHIM_H
#define NTH_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>

// Distribution builds of libxml2 enable ICU, and <libxml/encoding.h> then includes the system's <unicode/*.h>,
// whose enums clash with the ICU copy inside swift-corelibs-foundation (module '_FoundationICU'). We never touch
// xmlCharEncodingHandler (the only struct whose layout depends on it), so hide ICU from the headers.
#ifdef LIBXML_ICU_ENABLED
#undef LIBXML_ICU_ENABLED
#endif

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#endif
