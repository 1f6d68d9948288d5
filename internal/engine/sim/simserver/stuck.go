package simserver

import "net/http"

// stuck holds a control call that the fault makes stop answering, until the
// client gives up (or the server stops), and says whether it did:
// hang-flush holds /flush_cache before the --sim-fault-after-th generate
// request on (a wedged scheduler: SGLang's flush_cache awaits it), and
// hang-server-info holds /server_info once that request has been served.
func (s *Server) stuck(w http.ResponseWriter, r *http.Request, fault string) bool {
	if s.opts.Fault != fault {
		return false
	}
	s.mu.Lock()
	n := s.nGen
	s.mu.Unlock()
	if fault == "hang-flush" {
		n++ // the flush that precedes request n+1
	}
	if n < s.opts.FaultAfter {
		return false
	}
	s.log.Printf("%s will not answer (simulated: --sim-fault %s)", r.URL.Path, fault)
	<-r.Context().Done()
	return true
}
