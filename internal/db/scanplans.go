package db

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// pgx plans how to scan every column of every row set anew (it keeps no
// plan between queries), and for the targets sqlc generates most, *time.Time
// and the nullable **time.Time, **string and **uuid.UUID, its codecs have
// no plan of their own: pgx then tries its chain of wrapper plans (pointer
// to pointer, time wrapper...) through reflection, column by column. A
// principal's row has thirteen such columns (issue 15). The codecs below
// answer those targets at once (timestamps and uuids in the binary format
// pgx asks them in, text in either), decoding through pgx's own plans (ranges, infinity, NULL handled exactly
// as pgx does; TestOpenMode_ScanPlans compares every case); anything else is
// left to pgx.

// timestamptzCodec plans *time.Time and **time.Time through pgx's plan
// for pgtype.Timestamptz.
type timestamptzCodec struct{ pgtype.Codec }

func (c timestamptzCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if format == pgtype.BinaryFormatCode {
		switch target.(type) {
		case *time.Time:
			if next := c.Codec.PlanScan(m, oid, format, (*pgtype.Timestamptz)(nil)); next != nil {
				return scanTime{next}
			}
		case **time.Time:
			if next := c.Codec.PlanScan(m, oid, format, (*pgtype.Timestamptz)(nil)); next != nil {
				return scanTimePtr{next}
			}
		}
	}
	return c.Codec.PlanScan(m, oid, format, target)
}

type scanTime struct{ next pgtype.ScanPlan }

func (s scanTime) Scan(src []byte, dst any) error {
	t, err := scanTimestamptz(s.next, src)
	if err != nil {
		return err
	}
	if t == nil {
		return errors.New("cannot scan NULL into *time.Time")
	}
	*dst.(*time.Time) = *t
	return nil
}

type scanTimePtr struct{ next pgtype.ScanPlan }

func (s scanTimePtr) Scan(src []byte, dst any) error {
	t, err := scanTimestamptz(s.next, src)
	if err != nil {
		return err
	}
	*dst.(**time.Time) = t
	return nil
}

// scanTimestamptz decodes src with pgx's plan into a time, nil for NULL;
// an infinite timestamp is an error, as pgx makes it for a time.Time.
func scanTimestamptz(next pgtype.ScanPlan, src []byte) (*time.Time, error) {
	if src == nil {
		return nil, nil
	}
	var ts pgtype.Timestamptz
	if err := next.Scan(src, &ts); err != nil {
		return nil, err
	}
	switch {
	case !ts.Valid:
		return nil, nil
	case ts.InfinityModifier == pgtype.Infinity:
		return nil, errors.New("cannot scan Infinity into *time.Time")
	case ts.InfinityModifier == pgtype.NegativeInfinity:
		return nil, errors.New("cannot scan -Infinity into *time.Time")
	}
	return &ts.Time, nil
}

// textCodec plans **string (a nullable text column) directly. pgx asks
// for text columns in the text format, whose bytes are the binary format's:
// the string itself.
type textCodec struct{ pgtype.Codec }

func (c textCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(**string); ok && (format == pgtype.BinaryFormatCode || format == pgtype.TextFormatCode) {
		return scanStringPtr{}
	}
	return c.Codec.PlanScan(m, oid, format, target)
}

type scanStringPtr struct{}

func (scanStringPtr) Scan(src []byte, dst any) error {
	p := dst.(**string)
	if src == nil {
		*p = nil
		return nil
	}
	s := string(src)
	*p = &s
	return nil
}

type scanGoogleUUIDPtr struct{}

func (scanGoogleUUIDPtr) Scan(src []byte, dst any) error {
	p := dst.(**uuid.UUID)
	if src == nil {
		*p = nil
		return nil
	}
	if len(src) != 16 {
		return fmt.Errorf("invalid length for uuid: %v", len(src))
	}
	var id uuid.UUID
	copy(id[:], src)
	*p = &id
	return nil
}

// registerScanPlans wraps the connection's timestamptz, text and varchar
// codecs.
func registerScanPlans(conn *pgx.Conn) {
	m := conn.TypeMap()
	if t, ok := m.TypeForOID(pgtype.TimestamptzOID); ok {
		m.RegisterType(&pgtype.Type{Name: t.Name, OID: t.OID, Codec: timestamptzCodec{t.Codec}})
	}
	for _, oid := range []uint32{pgtype.TextOID, pgtype.VarcharOID} {
		if t, ok := m.TypeForOID(oid); ok {
			m.RegisterType(&pgtype.Type{Name: t.Name, OID: t.OID, Codec: textCodec{t.Codec}})
		}
	}
}
