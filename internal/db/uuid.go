package db

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// uuidCodec is pgx's uuid codec that also reads and writes
// github.com/google/uuid's UUID directly in the binary format. Without it
// pgx goes through uuid.UUID's sql.Scanner and driver.Valuer: every uuid
// column and argument becomes a 36-character string and is parsed back,
// a few allocations each, and a principal's row has six of them (issue
// 15). Anything else (text format, other targets) is pgx's own codec.
type uuidCodec struct{ pgtype.UUIDCodec }

func (c uuidCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if format == pgtype.BinaryFormatCode {
		switch target.(type) {
		case *uuid.UUID:
			return scanGoogleUUID{}
		case **uuid.UUID:
			return scanGoogleUUIDPtr{}
		}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(uuid.UUID); ok && format == pgtype.BinaryFormatCode {
		return encodeGoogleUUID{}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

type scanGoogleUUID struct{}

func (scanGoogleUUID) Scan(src []byte, dst any) error {
	if src == nil {
		return fmt.Errorf("cannot scan NULL into %T", dst)
	}
	if len(src) != 16 {
		return fmt.Errorf("invalid length for uuid: %v", len(src))
	}
	copy(dst.(*uuid.UUID)[:], src)
	return nil
}

type encodeGoogleUUID struct{}

func (encodeGoogleUUID) Encode(value any, buf []byte) ([]byte, error) {
	u := value.(uuid.UUID)
	return append(buf, u[:]...), nil
}

// registerTypes installs uuidCodec, rawJSONCodec and the direct scan plans
// (scanplans.go) on a new connection (pgxpool AfterConnect).
func registerTypes(_ context.Context, conn *pgx.Conn) error {
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}})
	registerRawJSON(conn)
	registerScanPlans(conn)
	return nil
}
