package inputs_test

import ("testing")

func TestZZ(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	r := rawJSON(t, c, "POST", "/api/customer-portal/members", e.owner, `{"email":"new@example.com","name":"a\u0000b","role":"member"}`)
	t.Log(r.Status, string(r.Body))
	r.ValidateContract(t)
}
