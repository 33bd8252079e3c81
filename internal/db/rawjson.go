package db

import (
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// rawJSONCodec is pgx's jsonb codec that reads a column into a
// json.RawMessage as into a []byte: the bytes PostgreSQL sent, copied. pgx
// itself has no plan for the named type and calls json.Unmarshal, which
// validates the document and goes through reflection, on every row; a
// principal's row has two such columns (billing_address, oauth_accounts;
// issue 15). PostgreSQL only ever sends jsonb as valid, normalized JSON
// (no surrounding spaces, which json.Unmarshal would have trimmed), so the
// bytes are the same either way (TestOpenMode_RawJSON). Plain json keeps
// pgx's codec, as does any other target.
type rawJSONCodec struct{ pgtype.Codec }

func (c rawJSONCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*json.RawMessage); ok {
		if next := c.Codec.PlanScan(m, oid, format, (*[]byte)(nil)); next != nil {
			return scanRawJSON{next}
		}
	}
	return c.Codec.PlanScan(m, oid, format, target)
}

type scanRawJSON struct{ next pgtype.ScanPlan }

func (s scanRawJSON) Scan(src []byte, dst any) error {
	return s.next.Scan(src, (*[]byte)(dst.(*json.RawMessage)))
}

// registerRawJSON wraps the connection's jsonb codec.
func registerRawJSON(conn *pgx.Conn) {
	m := conn.TypeMap()
	if t, ok := m.TypeForOID(pgtype.JSONBOID); ok {
		m.RegisterType(&pgtype.Type{Name: t.Name, OID: pgtype.JSONBOID, Codec: rawJSONCodec{t.Codec}})
	}
}
