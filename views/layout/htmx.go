package layout

// htmxConfig is the page's <meta name="htmx-config">: the response handling
// the pages rely on, no history cache (signed-in pages are no-store), and
// neither eval nor script tags in swapped content (D28). Kept here, apart
// from the template, so the rule is one short line to read and to test.
const htmxConfig = `{"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},` +
	`{"code":"400","swap":true},{"code":"422","swap":true},{"code":"[45]..","swap":true,"error":true}],` +
	`"includeIndicatorStyles":false,"historyCacheSize":0,"refreshOnHistoryMiss":true,` +
	`"allowEval":false,"allowScriptTags":false}`
