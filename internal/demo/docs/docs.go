// Package docs embeds Gemba's demo corpus: incidents, runbooks (SOPs) and
// use cases of the demo plant (site plant-1, lines line-1..3), written to
// match the failures the demo generator injects (bearing wear, filter
// clogging, belt slip, motor overheating), some in Korean. `gemba demo seed`
// loads it with rag.Store.IngestFS, so the binary needs no files on disk;
// `gemba ingest demo/docs` loads the same files from a checkout.
package docs

import "embed"

// FS holds the corpus: incidents/, runbooks/, usecases/ (Markdown with YAML
// front matter) and workorders.csv (a work-order export).
//
//go:embed incidents runbooks usecases workorders.csv
var FS embed.FS
